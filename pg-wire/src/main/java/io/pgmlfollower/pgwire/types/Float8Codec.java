package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** {@code double precision}: shortest round-trip text, IEEE 754 binary64. */
final class Float8Codec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.FLOAT8;
  }

  @Override
  public String typeName() {
    return "double precision";
  }

  @Override
  public int typeLength() {
    return 8;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return FloatText.formatDouble(toDouble(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendDouble(toDouble(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    try {
      return FloatText.parse(text);
    } catch (NumberFormatException e) {
      throw invalidText(text);
    }
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 8);
    return bytes.getDouble(0);
  }

  private double toDouble(Object value) throws PgWireException {
    if (value instanceof Float f) {
      // Widen through the shortest decimal so 0.1f is written 0.1, not 0.10000000149011612.
      return Double.parseDouble(Float.toString(f));
    }
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    throw unsupportedValue(value);
  }
}
