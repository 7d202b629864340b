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
    return out.toArray();
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
    out.ensure(utf8.length * 2 + 2);
    for (byte b : utf8) {
      out.bytes[out.length++] = b;
      if (b == 0) {
        out.bytes[out.length++] = (byte) 0xFF;
      }
    }
    out.bytes[out.length++] = 0x00;
    out.bytes[out.length++] = 0x01;
  }

  /** A growable byte array. */
  private static final class Builder {
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
  }
}
