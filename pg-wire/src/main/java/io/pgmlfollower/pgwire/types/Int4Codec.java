package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** {@code integer}: decimal text, 4-byte big-endian binary. */
final class Int4Codec extends IntegerCodec {
  Int4Codec() {
    super(Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  @Override
  public PgType type() {
    return PgType.INT4;
  }

  @Override
  public String typeName() {
    return "integer";
  }

  @Override
  public int typeLength() {
    return 4;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return Long.toString(toLong(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendInt((int) toLong(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    return (Integer) (int) parse(text);
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 4);
    return (Integer) bytes.getInt(0);
  }
}
