package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.PgWireStats;
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
  private final PgWireStats stats;

  /**
   * A round trip's reply is mostly small (a prepared statement's BindComplete, DataRow,
   * CommandComplete and ReadyForQuery: under 100 bytes); the buffer grows for more. Each flush
   * hands the buffer to the socket and starts a new one, so its first size is allocated per round
   * trip.
   */
  private static final int INITIAL_BYTES = 256;

  private Buffer pending = Buffer.buffer(INITIAL_BYTES);

  OutputBuffer(ClientTransport transport, PgWireStats stats) {
    this.transport = requireNonNull(transport, "transport is null");
    this.stats = requireNonNull(stats, "stats is null");
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
      countErrors(pending);
      transport.write(pending);
      pending = Buffer.buffer(INITIAL_BYTES);
    }
  }

  /**
   * Counts the ErrorResponse messages in {@code messages}, whole backend messages (type byte, then
   * a length that counts itself): every message here was appended whole, local or relayed. One
   * header read per message, no allocation.
   */
  private void countErrors(Buffer messages) {
    int errors = 0;
    int position = 0;
    int length = messages.length();
    while (position + 5 <= length) {
      int size = messages.getInt(position + 1);
      if (size < 4) {
        break; // not a message boundary: never the case, and never worth a wrong count
      }
      if (messages.getByte(position) == 'E') {
        errors++;
      }
      position += 1 + size;
    }
    if (errors > 0) {
      stats.errorsSent(errors);
    }
  }

  void flushIfLarge() {
    if (pending.length() >= FLUSH_THRESHOLD) {
      flush();
    }
  }
}
