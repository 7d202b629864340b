package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/** {@code bigint}: decimal text, 8-byte big-endian binary. */
final class Int8Codec extends IntegerCodec {
  Int8Codec() {
    super(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  @Override
  public PgType type() {
    return PgType.INT8;
  }

  @Override
  public String typeName() {
    return "bigint";
  }

  @Override
  public int typeLength() {
    return 8;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return Long.toString(toLong(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendLong(toLong(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    return (Long) parse(text);
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 8);
    return (Long) bytes.getLong(0);
  }
}
