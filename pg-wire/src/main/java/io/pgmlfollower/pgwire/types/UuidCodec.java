package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.util.UUID;

/**
 * {@code uuid}: canonical text (input may omit hyphens or add braces, as uuid_in allows), 16 bytes
 * binary. Java value: {@link UUID}.
 */
final class UuidCodec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.UUID;
  }

  @Override
  public String typeName() {
    return "uuid";
  }

  @Override
  public int typeLength() {
    return 16;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return toUuid(value).toString();
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    UUID uuid = toUuid(value);
    out.appendLong(uuid.getMostSignificantBits()).appendLong(uuid.getLeastSignificantBits());
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    String hex = text.strip();
    if (hex.startsWith("{") && hex.endsWith("}")) {
      hex = hex.substring(1, hex.length() - 1);
    }
    hex = hex.replace("-", "");
    if (hex.length() != 32) {
      throw invalidText(text);
    }
    try {
      return new UUID(
          Long.parseUnsignedLong(hex.substring(0, 16), 16),
          Long.parseUnsignedLong(hex.substring(16), 16));
    } catch (NumberFormatException e) {
      throw invalidText(text);
    }
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 16);
    return new UUID(bytes.getLong(0), bytes.getLong(8));
  }

  private UUID toUuid(Object value) throws PgWireException {
    if (value instanceof UUID uuid) {
      return uuid;
    }
    if (value instanceof String text) {
      return (UUID) decodeText(text);
    }
    throw unsupportedValue(value);
  }
}
