package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreErrorCode;
import io.pgmlfollower.featurestore.spi.StoreException;
import java.nio.charset.StandardCharsets;

/**
 * A row as a RocksDB value: {@code [schema version][column count][null bitmap][for each non-null
 * column: length, UTF-8 text]}, numbers as unsigned LEB128 varints. Values keep PostgreSQL's text
 * form (what the source sends), so the online store returns exactly what the offline one holds. The
 * schema version says which column list the row was written with: rows written before a column was
 * added or dropped are read by name against the version they carry.
 */
final class RowCodec {
  private RowCodec() {}

  static byte[] encode(int schemaVersion, String[] values) {
    // Sized exactly up front: one array per row, no growth, no per-byte synchronized writes.
    byte[][] texts = new byte[values.length][];
    int size = varintSize(schemaVersion) + varintSize(values.length) + (values.length + 7) / 8;
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        texts[i] = values[i].getBytes(StandardCharsets.UTF_8);
        size += varintSize(texts[i].length) + texts[i].length;
      }
    }
    byte[] out = new byte[size];
    int at = writeVarint(out, 0, schemaVersion);
    at = writeVarint(out, at, values.length);
    int nullsAt = at;
    at += (values.length + 7) / 8;
    for (int i = 0; i < values.length; i++) {
      if (texts[i] == null) {
        out[nullsAt + i / 8] |= (byte) (1 << (i % 8));
      } else {
        at = writeVarint(out, at, texts[i].length);
        System.arraycopy(texts[i], 0, out, at, texts[i].length);
        at += texts[i].length;
      }
    }
    return out;
  }

  /**
   * As {@link #encode(int, String[])} for a row parsed from COPY text, straight from its UTF-8
   * bytes (no string per value).
   */
  static byte[] encode(int schemaVersion, CopyRow row) {
    byte[] out = new byte[encodedSize(schemaVersion, row)];
    encodeInto(out, 0, schemaVersion, row);
    return out;
  }

  /** The size {@link #encodeInto} writes. */
  static int encodedSize(int schemaVersion, CopyRow row) {
    int columns = row.columns();
    int size = varintSize(schemaVersion) + varintSize(columns) + (columns + 7) / 8;
    for (int i = 0; i < columns; i++) {
      if (!row.isNull(i)) {
        size += varintSize(row.length(i)) + row.length(i);
      }
    }
    return size;
  }

  /**
   * Writes the row's encoding at {@code out[at]}, which must have {@link #encodedSize} bytes free
   * and zeroed null bitmap bytes; returns the position after it. The snapshot path: rows are
   * written straight into a write batch's bytes.
   */
  static int encodeInto(byte[] out, int at, int schemaVersion, CopyRow row) {
    int columns = row.columns();
    at = writeVarint(out, at, schemaVersion);
    at = writeVarint(out, at, columns);
    int nullsAt = at;
    int nullBytes = (columns + 7) / 8;
    java.util.Arrays.fill(out, nullsAt, nullsAt + nullBytes, (byte) 0);
    at += nullBytes;
    for (int i = 0; i < columns; i++) {
      if (row.isNull(i)) {
        out[nullsAt + i / 8] |= (byte) (1 << (i % 8));
      } else {
        at = writeVarint(out, at, row.length(i));
        System.arraycopy(row.bytes(), row.start(i), out, at, row.length(i));
        at += row.length(i);
      }
    }
    return at;
  }

  /** A decoded row: the schema version it was written with and its values in that version. */
  record Row(int schemaVersion, String[] values) {}

  /** The row's values as strings: {@link #bounds}, then a string per value. */
  static Row decode(byte[] bytes) throws StoreException {
    int[] bounds = bounds(bytes);
    String[] values = new String[bounds.length / 2];
    for (int i = 0; i < values.length; i++) {
      int start = bounds[2 * i];
      if (start >= 0) {
        values[i] = new String(bytes, start, bounds[2 * i + 1] - start, StandardCharsets.UTF_8);
      }
    }
    return new Row(version(bytes), values);
  }

  /** The schema version a stored row was written with. */
  static int version(byte[] bytes) throws StoreException {
    try {
      return readVarint(bytes, new int[] {0});
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new StoreException(StoreErrorCode.INTERNAL, "corrupt row in the online store", e);
    }
  }

  /**
   * Where each value of a stored row lies, without decoding it: per column its start and end in
   * {@code bytes}, a start of -1 for NULL.
   */
  static int[] bounds(byte[] bytes) throws StoreException {
    int[] position = {0};
    try {
      readVarint(bytes, position);
      int count = readVarint(bytes, position);
      int nullsAt = position[0];
      position[0] += (count + 7) / 8;
      int[] bounds = new int[2 * count];
      for (int i = 0; i < count; i++) {
        if ((bytes[nullsAt + i / 8] & (1 << (i % 8))) == 0) {
          int length = readVarint(bytes, position);
          bounds[2 * i] = position[0];
          position[0] += length;
          bounds[2 * i + 1] = position[0];
          if (length < 0 || position[0] > bytes.length) {
            throw new ArrayIndexOutOfBoundsException(position[0]);
          }
        } else {
          bounds[2 * i] = -1;
        }
      }
      return bounds;
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new StoreException(StoreErrorCode.INTERNAL, "corrupt row in the online store", e);
    }
  }

  static int varintSize(int value) {
    int size = 1;
    while ((value & ~0x7F) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  /** Writes {@code value} at {@code at}; returns the position after it. */
  static int writeVarint(byte[] out, int at, int value) {
    while ((value & ~0x7F) != 0) {
      out[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[at++] = (byte) value;
    return at;
  }

  private static int readVarint(byte[] bytes, int[] position) {
    int value = 0;
    for (int shift = 0; ; shift += 7) {
      byte b = bytes[position[0]++];
      value |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
  }
}
