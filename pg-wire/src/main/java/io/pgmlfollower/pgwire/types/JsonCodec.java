package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * {@code json} and {@code jsonb}: the JSON text (Java value: String). jsonb's binary form is a
 * version byte (1) followed by the text (jsonb_send). The text is passed on unvalidated: the
 * statement parses it and reports its own errors.
 */
final class JsonCodec implements TypeCodec {
  private static final byte JSONB_VERSION = 1;

  private final boolean jsonb;

  JsonCodec(boolean jsonb) {
    this.jsonb = jsonb;
  }

  @Override
  public PgType type() {
    return jsonb ? PgType.JSONB : PgType.JSON;
  }

  @Override
  public String typeName() {
    return jsonb ? "jsonb" : "json";
  }

  @Override
  public int typeLength() {
    return -1;
  }

  @Override
  public String encodeText(Object value) {
    return value.toString();
  }

  @Override
  public void encodeBinary(Object value, Buffer out) {
    if (jsonb) {
      out.appendByte(JSONB_VERSION);
    }
    out.appendString(value.toString(), StandardCharsets.UTF_8.name());
  }

  @Override
  public Object decodeText(String text) {
    return text;
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    if (!jsonb) {
      return bytes.toString(StandardCharsets.UTF_8);
    }
    if (bytes.length() < 1 || bytes.getByte(0) != JSONB_VERSION) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION, "unsupported jsonb version number in binary input");
    }
    return bytes.getString(1, bytes.length(), StandardCharsets.UTF_8.name());
  }
}
