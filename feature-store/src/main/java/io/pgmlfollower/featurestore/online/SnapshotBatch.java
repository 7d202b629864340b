package io.pgmlfollower.featurestore.online;

import java.util.Arrays;
import org.rocksdb.WriteBatch;

/**
 * Snapshot rows of one column family serialized straight into RocksDB's write-batch format, handed
 * to RocksDB as one array per batch instead of a JNI call (and two array copies) per row. The
 * format (<a
 * href="https://github.com/facebook/rocksdb/blob/main/db/write_batch.cc">db/write_batch.cc</a>): a
 * 12-byte header (a fixed64 sequence number, which the write assigns, and a fixed32 record count,
 * little-endian), then per row the tag {@code kTypeColumnFamilyValue} (0x05), the family's id, the
 * key and the value, each of the last three prefixed by its varint32 length.
 */
final class SnapshotBatch {
  private static final int HEADER = 12;
  private static final byte COLUMN_FAMILY_VALUE = 0x05;

  private final int familyId;
  private byte[] bytes;
  private int length = HEADER;
  private int count;

  SnapshotBatch(int familyId, int initialBytes) {
    this.familyId = familyId;
    this.bytes = new byte[Math.max(HEADER, initialBytes)];
  }

  /** Adds a row: its key and its {@link RowCodec} value, as they are. */
  void put(byte[] key, int keyLength, byte[] value, int valueLength) {
    ensure(1 + 5 + 5 + keyLength + 5 + valueLength);
    bytes[length++] = COLUMN_FAMILY_VALUE;
    length = RowCodec.writeVarint(bytes, length, familyId);
    length = RowCodec.writeVarint(bytes, length, keyLength);
    System.arraycopy(key, 0, bytes, length, keyLength);
    length += keyLength;
    length = RowCodec.writeVarint(bytes, length, valueLength);
    System.arraycopy(value, 0, bytes, length, valueLength);
    length += valueLength;
    count++;
  }

  int count() {
    return count;
  }

  int bytes() {
    return length;
  }

  /** The rows so far as a write batch (the caller closes it); then starts over, empty. */
  WriteBatch drain() {
    // Sequence number 0: the write assigns the real one.
    Arrays.fill(bytes, 0, 8, (byte) 0);
    bytes[8] = (byte) count;
    bytes[9] = (byte) (count >>> 8);
    bytes[10] = (byte) (count >>> 16);
    bytes[11] = (byte) (count >>> 24);
    WriteBatch batch = new WriteBatch(Arrays.copyOf(bytes, length));
    length = HEADER;
    count = 0;
    return batch;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
