package io.pgmlfollower.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for servers a test configures and another process binds later. */
public final class TestPorts {
  private TestPorts() {}

  /**
   * A free port below the kernel's ephemeral range (32768 and up on Linux): the follower binds it
   * later, in another process, and meanwhile anything that asks the kernel for a free port (the
   * embedded PostgreSQL does) would be handed ephemeral ones, never this.
   */
  public static int belowEphemeralRange() throws IOException {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException inUse) {
        // taken: try another
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }
}
