package io.pgmlfollower.pgwire.session;

import io.vertx.core.buffer.Buffer;

/** A client side with no socket: records what the server writes. */
final class RecordingTransport implements ClientTransport {
  final Buffer written = Buffer.buffer();
  boolean closed;
  boolean paused;

  @Override
  public void write(Buffer bytes) {
    written.appendBuffer(bytes);
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public void onDrain(Runnable action) {
    action.run();
  }

  @Override
  public void pauseReading() {
    paused = true;
  }

  @Override
  public void resumeReading() {
    paused = false;
  }
}
