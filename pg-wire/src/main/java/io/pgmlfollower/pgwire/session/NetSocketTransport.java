package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;

/** A {@link ClientTransport} over a Vert.x socket. */
public final class NetSocketTransport implements ClientTransport {
  private final NetSocket socket;
  private final io.vertx.core.net.ServerSSLOptions tls;
  private final List<Runnable> drainActions = new ArrayList<>();

  /**
   * @param tls the server's certificate and key, or null when the server offers no TLS
   */
  public NetSocketTransport(NetSocket socket, io.vertx.core.net.ServerSSLOptions tls) {
    this.socket = requireNonNull(socket, "socket is null");
    this.tls = tls;
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

  @Override
  public boolean tlsAvailable() {
    return tls != null;
  }

  @Override
  public void startTls(Runnable onEstablished, java.util.function.Consumer<Throwable> onFailure) {
    socket
        .upgradeToSsl(tls)
        .onComplete(
            result -> {
              if (result.succeeded()) {
                onEstablished.run();
              } else {
                onFailure.accept(result.cause());
              }
            });
  }
}
