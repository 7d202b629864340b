package io.pgmlfollower.pgwire.protocol;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields of a message payload, with bounds checks: a truncated or overlong message is a
 * protocol violation (08P01), never an IndexOutOfBoundsException. Field types:
 * https://www.postgresql.org/docs/current/protocol-message-types.html
 */
public final class PayloadReader {
  private final Buffer payload;
  private int position;

  public PayloadReader(Buffer payload) {
    this.payload = requireNonNull(payload, "payload is null");
  }

  public int remaining() {
    return payload.length() - position;
  }

  public byte readByte() throws PgWireException {
    need(1);
    return payload.getByte(position++);
  }

  public short readInt16() throws PgWireException {
    need(2);
    short value = payload.getShort(position);
    position += 2;
    return value;
  }

  public int readInt32() throws PgWireException {
    need(4);
    int value = payload.getInt(position);
    position += 4;
    return value;
  }

  /** A count that must not be negative (a negative one would be a corrupt message). */
  public int readCount16() throws PgWireException {
    int count = readInt16();
    if (count < 0) {
      throw malformed("invalid count " + count);
    }
    return count;
  }

  /** A null-terminated UTF-8 string. */
  public String readCString() throws PgWireException {
    for (int i = position; i < payload.length(); i++) {
      if (payload.getByte(i) == 0) {
        String value = payload.getString(position, i, StandardCharsets.UTF_8.name());
        position = i + 1;
        return value;
      }
    }
    throw malformed("unterminated string");
  }

  public Buffer readBytes(int length) throws PgWireException {
    if (length < 0) {
      throw malformed("negative length " + length);
    }
    need(length);
    Buffer value = payload.getBuffer(position, position + length);
    position += length;
    return value;
  }

  /** Everything not read yet. */
  public Buffer readRest() {
    Buffer value = payload.getBuffer(position, payload.length());
    position = payload.length();
    return value;
  }

  /** Fails when bytes are left over: PostgreSQL's pq_getmsgend. */
  public void expectEnd() throws PgWireException {
    if (remaining() != 0) {
      throw malformed("invalid message format");
    }
  }

  private void need(int bytes) throws PgWireException {
    if (remaining() < bytes) {
      throw malformed("insufficient data left in message");
    }
  }

  static PgWireException malformed(String message) {
    return new PgWireException(SqlState.PROTOCOL_VIOLATION, message);
  }
}
