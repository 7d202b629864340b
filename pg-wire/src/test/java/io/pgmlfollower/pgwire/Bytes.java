package io.pgmlfollower.pgwire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds protocol payloads field by field, as the protocol documents them
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html): the frontend messages a
 * test sends and the backend payloads it expects back, byte for byte.
 */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Bytes of() {
    return new Bytes();
  }

  Bytes int8(int value) {
    out.write(value);
    return this;
  }

  Bytes int16(int value) {
    out.write(value >>> 8);
    out.write(value);
    return this;
  }

  Bytes int32(int value) {
    int16(value >>> 16);
    return int16(value & 0xFFFF);
  }

  Bytes int64(long value) {
    int32((int) (value >>> 32));
    return int32((int) value);
  }

  Bytes cstring(String value) {
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    out.write(0);
    return this;
  }

  Bytes raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** A length-prefixed value ({@code Int32 length, bytes}); null is length -1. */
  Bytes value(byte[] bytes) {
    if (bytes == null) {
      return int32(-1);
    }
    int32(bytes.length);
    return raw(bytes);
  }

  /** A length-prefixed text value. */
  Bytes text(String value) {
    return value(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  byte[] payload() {
    return out.toByteArray();
  }

  /**
   * The payload as a typed message: {@code Byte1 type, Int32 length (itself included), payload}.
   */
  byte[] message(char type) {
    byte[] payload = payload();
    return of().int8(type).int32(payload.length + 4).raw(payload).payload();
  }

  /** Messages back to back, as one write: how drivers pipeline. */
  static byte[] concat(byte[]... messages) {
    Bytes all = of();
    for (byte[] message : messages) {
      all.raw(message);
    }
    return all.payload();
  }
}
