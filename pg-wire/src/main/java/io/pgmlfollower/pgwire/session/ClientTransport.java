package io.pgmlfollower.pgwire.session;

import io.vertx.core.buffer.Buffer;

/**
 * The client side of a connection as the protocol code sees it: writes, closing, and flow control.
 * A socket in production; an in-memory recorder in tests that drive the protocol byte by byte.
 */
public interface ClientTransport {
  void write(Buffer bytes);

  void close();

  /** Whether written bytes pile up because the client does not read them. */
  boolean writeQueueFull();

  /** Runs {@code action} once, when the write queue has drained. */
  void onDrain(Runnable action);

  /** Stops delivering the client's bytes (backpressure). */
  void pauseReading();

  void resumeReading();

  /** Whether this transport can switch to TLS (the server has a certificate). */
  default boolean tlsAvailable() {
    return false;
  }

  /**
   * Switches the connection to TLS after the 'S' answer to an SSLRequest; exactly one callback
   * runs, on the connection's event loop.
   */
  default void startTls(Runnable onEstablished, java.util.function.Consumer<Throwable> onFailure) {
    onFailure.accept(new UnsupportedOperationException("TLS is not configured"));
  }
}
