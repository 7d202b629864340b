package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** {@code smallint}: decimal text, 2-byte big-endian binary. */
final class Int2Codec extends IntegerCodec {
  Int2Codec() {
    super(Short.MIN_VALUE, Short.MAX_VALUE);
  }

  @Override
  public PgType type() {
    return PgType.INT2;
  }

  @Override
  public String typeName() {
    return "smallint";
  }

  @Override
  public int typeLength() {
    return 2;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return Long.toString(toLong(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendShort((short) toLong(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    return (Short) (short) parse(text);
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 2);
    return (Short) bytes.getShort(0);
  }
}
