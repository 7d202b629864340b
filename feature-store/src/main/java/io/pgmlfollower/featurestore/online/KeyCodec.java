package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
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
    // Hot path (every lookup, every snapshot row): a plain array, no synchronized stream.
    Builder out = new Builder(16 * values.length);
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
          case INT2, INT4, INT8 -> writeLong(out, parseKey(column, value) ^ Long.MIN_VALUE);
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
    return out.toArray();
  }

  /**
   * As {@link #encode(List, String[])} for the key columns of a row parsed from COPY, into {@code
   * out} (reset first): the same bytes, with no string per value where the text form is read as
   * bytes (integers are parsed from their ASCII digits, text is copied as the UTF-8 it is).
   *
   * @param keyIndexes each key column's position in the row, in key order
   * @return false when a key column is NULL
   */
  static boolean encode(List<ColumnSpec> keyColumns, int[] keyIndexes, CopyRow row, Builder out)
      throws StoreException {
    out.length = 0;
    byte[] bytes = row.bytes();
    for (int i = 0; i < keyIndexes.length; i++) {
      int column = keyIndexes[i];
      if (row.isNull(column)) {
        return false;
      }
      int start = row.start(column);
      int end = start + row.length(column);
      out.write(0x01);
      switch (keyColumns.get(i).typeOid()) {
        case INT2, INT4, INT8 -> {
          long value = parseLong(bytes, start, end);
          if (value == Long.MIN_VALUE && !isLongMin(bytes, start, end)) {
            // Not plain digits: parsed as the string path parses it, or refused as it refuses it.
            value = parseKey(keyColumns.get(i), row.text(column));
          }
          writeLong(out, value ^ Long.MIN_VALUE);
        }
        case FLOAT4, FLOAT8 -> {
          try {
            writeLong(out, sortableDouble(Double.parseDouble(row.text(column))));
          } catch (NumberFormatException e) {
            throw new StoreException(
                StoreErrorCode.INVALID_DATA,
                "key value \""
                    + row.text(column)
                    + "\" of "
                    + keyColumns.get(i).name()
                    + " is not a number",
                e);
          }
        }
        case BOOL -> out.write(end > start && bytes[start] == 't' ? 1 : 0);
        default -> writeText(out, bytes, start, end);
      }
    }
    return true;
  }

  private static long parseKey(ColumnSpec column, String value) throws StoreException {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new StoreException(
          StoreErrorCode.INVALID_DATA,
          "key value \"" + value + "\" of " + column.name() + " is not a number",
          e);
    }
  }

  /**
   * A decimal integer's value; {@link Long#MIN_VALUE} when the bytes are not an optional minus sign
   * and 1 to 19 digits that fit a long (the caller then checks whether it was that value itself).
   */
  private static long parseLong(byte[] bytes, int start, int end) {
    boolean negative = end > start && bytes[start] == '-';
    int at = negative ? start + 1 : start;
    if (at == end || end - at > 19) {
      return Long.MIN_VALUE;
    }
    long value = 0; // accumulated negatively: the range of negatives is the larger one
    for (; at < end; at++) {
      int digit = bytes[at] - '0';
      if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10) {
        return Long.MIN_VALUE;
      }
      value = value * 10 - digit;
    }
    if (negative) {
      return value;
    }
    return value == Long.MIN_VALUE ? Long.MIN_VALUE : -value;
  }

  private static boolean isLongMin(byte[] bytes, int start, int end) {
    byte[] min = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);
    return java.util.Arrays.equals(bytes, start, end, min, 0, min.length);
  }

  /** IEEE bits ordered as the doubles are: negatives have every bit flipped, others the sign. */
  static long sortableDouble(double value) {
    long bits = Double.doubleToLongBits(value == 0.0 ? 0.0 : value); // -0 and 0 are one key
    return bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
  }

  private static void writeLong(Builder out, long value) {
    out.ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.bytes[out.length++] = (byte) (value >>> shift);
    }
  }

  private static void writeText(Builder out, String value) {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    writeText(out, utf8, 0, utf8.length);
  }

  private static void writeText(Builder out, byte[] utf8, int start, int end) {
    out.ensure((end - start) * 2 + 2);
    for (int i = start; i < end; i++) {
      byte b = utf8[i];
      out.bytes[out.length++] = b;
      if (b == 0) {
        out.bytes[out.length++] = (byte) 0xFF;
      }
    }
    out.bytes[out.length++] = 0x00;
    out.bytes[out.length++] = 0x01;
  }

  /** A growable byte array (reused across keys by the snapshot path). */
  static final class Builder {
    private byte[] bytes;
    private int length;

    Builder(int capacity) {
      bytes = new byte[Math.max(16, capacity)];
    }

    void ensure(int more) {
      if (length + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }

    void write(int b) {
      ensure(1);
      bytes[length++] = (byte) b;
    }

    byte[] toArray() {
      return java.util.Arrays.copyOf(bytes, length);
    }

    byte[] bytes() {
      return bytes;
    }

    int length() {
      return length;
    }
  }
}
