package io.pgmlfollower.pgwire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Listening and closing, and option validation; sessions themselves are in PgWireServerIT. */
class PgWireServerTest {
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private PgWireOptions options(int port) {
    return new PgWireOptions()
        .setPort(port)
        .setUsers(Map.of("app", "secret"))
        .setUpstream(new UpstreamOptions().setPort(1).setUser("session"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Sends SSLRequest and returns the one-byte answer. */
  private static int sslAnswer(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(ByteBuffer.allocate(8).putInt(8).putInt(80877103).array());
      InputStream in = socket.getInputStream();
      return in.read();
    }
  }

  @Test
  void fixedPortIsSharedByAcceptorsAndReleasedOnClose() throws IOException {
    int port = freePort();
    try (PgWireServer server = new PgWireServer(vertx, options(port), session -> null)) {
      assertThat(server.start()).isEqualTo(port);
      for (int i = 0; i < 4; i++) {
        assertThat(sslAnswer(port)).isEqualTo('N');
      }
    }
    try (PgWireServer again = new PgWireServer(vertx, options(port), session -> null)) {
      assertThat(again.start()).isEqualTo(port);
    }
  }

  @Test
  void ephemeralPortIsReported() throws IOException {
    try (PgWireServer server = new PgWireServer(vertx, options(0), session -> null)) {
      int port = server.start();
      assertThat(port).isPositive();
      assertThat(server.port()).isEqualTo(port);
      assertThat(sslAnswer(port)).isEqualTo('N');
      assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void optionsAreValidated() {
    PgWireOptions options = new PgWireOptions();
    assertThatThrownBy(() -> options.setPort(70000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> options.setMaxMessageSize(10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> options.setMaxConnections(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> options.setUsers(Map.of("", "x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new UpstreamOptions().setHost(" "))
        .isInstanceOf(IllegalArgumentException.class);
    // No upstream user: refused when starting, naming what is missing.
    assertThatThrownBy(
            () -> new PgWireServer(vertx, new PgWireOptions().setPort(0), s -> null).start())
        .hasMessageContaining("upstream user");
  }
}
