package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/**
 * {@code bytea}: text output in hex format ({@code \x0aff}, bytea_output's default); text input in
 * hex or the traditional escape format; binary is the raw bytes. See
 * https://www.postgresql.org/docs/current/datatype-binary.html
 */
final class ByteaCodec implements TypeCodec {
  private static final HexFormat HEX = HexFormat.of();

  @Override
  public PgType type() {
    return PgType.BYTEA;
  }

  @Override
  public String typeName() {
    return "bytea";
  }

  @Override
  public int typeLength() {
    return -1;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    return "\\x" + HEX.formatHex(toBytes(value));
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendBytes(toBytes(value));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    if (text.startsWith("\\x") || text.startsWith("\\X")) {
      return decodeHex(text);
    }
    return decodeEscape(text);
  }

  @Override
  public Object decodeBinary(Buffer bytes) {
    return bytes.getBytes();
  }

  private byte[] decodeHex(String text) throws PgWireException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() / 2);
    int i = 2;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      if (i + 1 >= text.length()) {
        throw invalidText(text);
      }
      int high = Character.digit(c, 16);
      int low = Character.digit(text.charAt(i + 1), 16);
      if (high < 0 || low < 0) {
        throw invalidText(text);
      }
      out.write(high << 4 | low);
      i += 2;
    }
    return out.toByteArray();
  }

  private byte[] decodeEscape(String text) throws PgWireException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c != '\\') {
        byte[] encoded = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.write(encoded, 0, encoded.length);
        i++;
      } else if (i + 1 < text.length() && text.charAt(i + 1) == '\\') {
        out.write('\\');
        i += 2;
      } else if (i + 3 < text.length()
          && isOctal(text.charAt(i + 1), '3')
          && isOctal(text.charAt(i + 2), '7')
          && isOctal(text.charAt(i + 3), '7')) {
        out.write(Integer.parseInt(text.substring(i + 1, i + 4), 8));
        i += 4;
      } else {
        throw invalidText(text);
      }
    }
    return out.toByteArray();
  }

  private static boolean isOctal(char c, char max) {
    return c >= '0' && c <= max;
  }

  private byte[] toBytes(Object value) throws PgWireException {
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    throw unsupportedValue(value);
  }
}
