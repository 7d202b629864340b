package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.util.Locale;

/** {@code boolean}: text 't'/'f' (input also true/yes/on/1...), binary one byte. */
final class BoolCodec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.BOOL;
  }

  @Override
  public String typeName() {
    return "boolean";
  }

  @Override
  public int typeLength() {
    return 1;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return toBoolean(value) ? "t" : "f";
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendByte((byte) (toBoolean(value) ? 1 : 0));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    // The spellings boolin accepts: https://www.postgresql.org/docs/current/datatype-boolean.html
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "t", "true", "y", "yes", "on", "1" -> Boolean.TRUE;
      case "f", "false", "n", "no", "off", "0" -> Boolean.FALSE;
      default -> throw invalidText(text);
    };
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 1);
    return bytes.getByte(0) != 0;
  }

  private boolean toBoolean(Object value) throws PgWireException {
    if (value instanceof Boolean bool) {
      return bool;
    }
    throw unsupportedValue(value);
  }
}
