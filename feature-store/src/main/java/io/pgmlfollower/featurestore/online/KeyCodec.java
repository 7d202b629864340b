package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Primary keys as RocksDB keys whose byte order is the key's order, column after column, so that a
 * range of keys is a range of rows: integers (int2/int4/int8) as 8 big-endian bytes with the sign
 * bit flipped, floats (float4/float8) as their IEEE bits flipped so that negatives sort first,
 * booleans as one byte, every other type as its text form (UTF-8, in byte order) with 0x00 escaped
 * as 0x00 0xFF and ended by 0x00 0x01, so that a shorter value sorts before its extensions. Each
 * component starts with a tag byte (0x01; primary keys are never NULL).
 *
 * <p>Text order is the value's order for text, varchar, char, uuid and ISO dates and timestamps
 * without time zone; for other types (numeric, timestamptz...) keys are exact for equality, the
 * only thing a lookup by key needs.
 */
final class KeyCodec {
  private static final int INT2 = 21;
  private static final int INT4 = 23;
  private static final int INT8 = 20;
  private static final int FLOAT4 = 700;
  private static final int FLOAT8 = 701;
  private static final int BOOL = 16;

  private KeyCodec() {}

  /** Encodes the key columns' text values, in key order. */
  static byte[] encode(List<ColumnSpec> keyColumns, String[] values) throws StoreException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * values.length);
    for (int i = 0; i < keyColumns.size(); i++) {
      ColumnSpec column = keyColumns.get(i);
      String value = values[i];
      if (value == null) {
        throw new StoreException(
            StoreErrorCode.INVALID_DATA, "primary key column " + column.name() + " is NULL");
      }
      out.write(0x01);
      try {
        switch (column.typeOid()) {
          case INT2, INT4, INT8 -> writeLong(out, Long.parseLong(value) ^ Long.MIN_VALUE);
          case FLOAT4, FLOAT8 -> writeLong(out, sortableDouble(Double.parseDouble(value)));
          case BOOL -> out.write(value.startsWith("t") ? 1 : 0);
          default -> writeText(out, value);
        }
      } catch (NumberFormatException e) {
        throw new StoreException(
            StoreErrorCode.INVALID_DATA,
            "key value \"" + value + "\" of " + column.name() + " is not a number",
            e);
      }
    }
    return out.toByteArray();
  }

  /** IEEE bits ordered as the doubles are: negatives have every bit flipped, others the sign. */
  static long sortableDouble(double value) {
    long bits = Double.doubleToLongBits(value == 0.0 ? 0.0 : value); // -0 and 0 are one key
    return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
  }

  private static void writeLong(ByteArrayOutputStream out, long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (value >>> shift) & 0xFF);
    }
  }

  private static void writeText(ByteArrayOutputStream out, String value) {
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.write(0x00);
    out.write(0x01);
  }
}
