package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;

/** A {@link ClientTransport} over a Vert.x socket. */
public final class NetSocketTransport implements ClientTransport {
  private final NetSocket socket;
  private final List<Runnable> drainActions = new ArrayList<>();

  public NetSocketTransport(NetSocket socket) {
    this.socket = requireNonNull(socket, "socket is null");
    socket.drainHandler(
        ignored -> {
          List<Runnable> actions = List.copyOf(drainActions);
          drainActions.clear();
          actions.forEach(Runnable::run);
        });
  }

  @Override
  public void write(Buffer bytes) {
    socket.write(bytes);
  }

  @Override
  public void close() {
    socket.close();
  }

  @Override
  public boolean writeQueueFull() {
    return socket.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    if (!socket.writeQueueFull()) {
      action.run();
    } else {
      drainActions.add(action);
    }
  }

  @Override
  public void pauseReading() {
    socket.pause();
  }

  @Override
  public void resumeReading() {
    socket.resume();
  }
}
