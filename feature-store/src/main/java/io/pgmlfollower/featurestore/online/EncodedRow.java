package io.pgmlfollower.featurestore.online;

import io.pgmlfollower.featurestore.spi.StoreException;

/**
 * A snapshot row's RocksDB key ({@link KeyCodec}) and value ({@link RowCodec}), encoded straight
 * from its COPY bytes into buffers that the next row reuses: the loading path allocates nothing per
 * row.
 */
final class EncodedRow {
  private final KeyCodec.Builder key = new KeyCodec.Builder(64);
  private byte[] value = new byte[256];
  private int valueLength;

  /**
   * Encodes the row in the table's shape.
   *
   * @return false (nothing encoded) when a key column is NULL
   */
  boolean encode(OnlineTable.Shape shape, CopyRow row) throws StoreException {
    if (!shape.keyInto(row, key)) {
      return false;
    }
    valueLength = RowCodec.encodedSize(shape.version(), row);
    if (value.length < valueLength) {
      value = new byte[Math.max(valueLength, value.length * 2)];
    }
    RowCodec.encodeInto(value, 0, shape.version(), row);
    return true;
  }

  byte[] key() {
    return key.bytes();
  }

  int keyLength() {
    return key.length();
  }

  byte[] value() {
    return value;
  }

  int valueLength() {
    return valueLength;
  }
}
