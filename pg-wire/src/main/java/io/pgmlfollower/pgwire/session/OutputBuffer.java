package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;

/**
 * Collects a session's outgoing messages and writes them in one go at the protocol's natural flush
 * points (ReadyForQuery, Flush, the end of a chunk relayed from the upstream) or when large: one
 * write per round trip instead of one per message (pgwire #94).
 */
final class OutputBuffer {
  /** Beyond this, write even before a flush point, so large results stream. */
  static final int FLUSH_THRESHOLD = 64 * 1024;

  private final ClientTransport transport;
  private Buffer pending = Buffer.buffer(1024);

  OutputBuffer(ClientTransport transport) {
    this.transport = requireNonNull(transport, "transport is null");
  }

  /** The buffer to append messages to. */
  Buffer buffer() {
    return pending;
  }

  void append(Buffer bytes) {
    pending.appendBuffer(bytes);
  }

  void flush() {
    if (pending.length() > 0) {
      transport.write(pending);
      pending = Buffer.buffer(1024);
    }
  }

  void flushIfLarge() {
    if (pending.length() >= FLUSH_THRESHOLD) {
      flush();
    }
  }
}
