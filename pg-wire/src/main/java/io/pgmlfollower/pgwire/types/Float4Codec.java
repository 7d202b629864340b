package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;

/** {@code real}: shortest round-trip text, IEEE 754 binary32. */
final class Float4Codec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.FLOAT4;
  }

  @Override
  public String typeName() {
    return "real";
  }

  @Override
  public int typeLength() {
    return 4;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return FloatText.formatFloat(toFloat(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendFloat(toFloat(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    double value;
    try {
      value = FloatText.parse(text);
    } catch (NumberFormatException e) {
      throw invalidText(text);
    }
    return narrow(value, text);
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 4);
    return bytes.getFloat(0);
  }

  private float toFloat(Object value) throws PgWireException {
    if (value instanceof Float f) {
      return f;
    }
    if (value instanceof Number number) {
      return narrow(number.doubleValue(), String.valueOf(value));
    }
    throw unsupportedValue(value);
  }

  /** float4in refuses values that overflow to infinity (but not an explicit Infinity). */
  private float narrow(double value, String text) throws PgWireException {
    float narrowed = (float) value;
    if (Float.isInfinite(narrowed) && !Double.isInfinite(value)) {
      throw new PgWireException(
          SqlState.INVALID_PARAMETER_VALUE,
          "\"" + text.strip() + "\" is out of range for type real");
    }
    return narrowed;
  }
}
