package io.pgmlfollower.replicator.pgoutput;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes pgoutput messages byte by byte, as the walsender does (big-endian integers, NUL-terminated
 * strings), following
 * https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html.
 */
final class MessageBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static MessageBytes type(char type) {
    return new MessageBytes().int8(type);
  }

  MessageBytes int8(int value) {
    out.write(value);
    return this;
  }

  MessageBytes int16(int value) {
    out.write(value >>> 8);
    out.write(value);
    return this;
  }

  MessageBytes int32(int value) {
    int16(value >>> 16);
    return int16(value & 0xFFFF);
  }

  MessageBytes int64(long value) {
    int32((int) (value >>> 32));
    return int32((int) value);
  }

  MessageBytes timestamp(Instant instant) {
    return int64(PgOutputDecoder.toPostgresMicros(instant));
  }

  MessageBytes string(String value) {
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    return int8(0);
  }

  MessageBytes bytes(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** A TupleData column in text form: 't', Int32 length, the UTF-8 bytes. */
  MessageBytes text(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    return int8('t').int32(bytes.length).bytes(bytes);
  }

  ByteBuffer buffer() {
    return ByteBuffer.wrap(out.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
