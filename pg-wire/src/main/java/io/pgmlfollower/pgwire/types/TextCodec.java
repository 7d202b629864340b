package io.pgmlfollower.pgwire.types;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code text}, {@code varchar} and {@code unknown}: UTF-8 in both formats (the connection's
 * client_encoding is UTF8). Any Java value is written by its {@code toString()}.
 */
final class TextCodec implements TypeCodec {
  private final PgType type;
  private final String typeName;
  private final int typeLength;

  TextCodec(PgType type, String typeName, int typeLength) {
    this.type = requireNonNull(type, "type is null");
    this.typeName = requireNonNull(typeName, "typeName is null");
    this.typeLength = typeLength;
  }

  @Override
  public PgType type() {
    return type;
  }

  @Override
  public String typeName() {
    return typeName;
  }

  @Override
  public int typeLength() {
    return typeLength;
  }

  @Override
  public String encodeText(Object value) {
    return value.toString();
  }

  @Override
  public void encodeBinary(Object value, Buffer out) {
    out.appendString(value.toString(), StandardCharsets.UTF_8.name());
  }

  @Override
  public Object decodeText(String text) {
    return text;
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
