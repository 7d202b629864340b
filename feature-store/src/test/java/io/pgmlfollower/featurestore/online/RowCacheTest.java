package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The race {@link RowCache}'s stamp closes, played step by step: a reader misses, reads the old row
 * from RocksDB, a writer replaces the row and invalidates its key, then the reader tries to keep
 * what it read.
 */
class RowCacheTest {
  private static final byte[] KEY = {1, 2, 3};
  private static final byte[] OLD = {'o', 'l', 'd'};
  private static final byte[] NEW = {'n', 'e', 'w'};

  @Test
  void aReadThatAWriteOvertookIsNotKept() {
    RowCache cache = new RowCache(1 << 20);
    long stamp = cache.stamp(); // the reader missed, and reads RocksDB: OLD
    cache.invalidate(List.of(new RowCache.Key(7, KEY))); // the writer stored NEW meanwhile
    cache.put(7, KEY, OLD, stamp);
    assertThat(cache.get(7, KEY)).as("the overtaken read is dropped").isNull();

    long later = cache.stamp(); // the next reader reads NEW
    cache.put(7, KEY, NEW, later);
    assertThat(cache.get(7, KEY)).isEqualTo(NEW);
  }

  @Test
  void keysAreTheTableAndTheKeyBytes() {
    RowCache cache = new RowCache(1 << 20);
    cache.put(7, KEY, OLD, cache.stamp());
    assertThat(cache.get(7, new byte[] {1, 2, 3})).isEqualTo(OLD);
    assertThat(cache.get(8, KEY)).as("another table's row with the same key").isNull();
    cache.invalidateAll();
    assertThat(cache.get(7, KEY)).isNull();
  }

  @Test
  void aWrittenBatchReplacesCachedRowsAndForgetsDeletedOnes() {
    RowCache cache = new RowCache(1 << 20);
    byte[] other = {4, 5, 6};
    byte[] absent = {7, 8, 9};
    cache.put(7, KEY, OLD, cache.stamp());
    cache.put(7, other, OLD, cache.stamp());
    long reader = cache.stamp(); // a reader misses on another key and reads RocksDB meanwhile

    List<RowCache.Key> keys = new ArrayList<>();
    List<byte[]> rows = new ArrayList<>();
    keys.add(new RowCache.Key(7, KEY)); // updated twice in the batch: the last row counts
    rows.add(OLD);
    keys.add(new RowCache.Key(7, other)); // deleted
    rows.add(null);
    keys.add(new RowCache.Key(7, absent)); // written, never read
    rows.add(NEW);
    keys.add(new RowCache.Key(7, KEY));
    rows.add(NEW);
    cache.refresh(keys, rows);

    assertThat(cache.get(7, KEY)).as("a cached key takes its new row").isEqualTo(NEW);
    assertThat(cache.get(7, other)).as("a deleted key is forgotten").isNull();
    assertThat(cache.get(7, absent)).as("a write alone does not fill the cache").isNull();
    cache.put(7, other, OLD, reader);
    assertThat(cache.get(7, other)).as("a read the batch overtook is dropped").isNull();
  }

  /**
   * Integer keys as the store encodes them (KeyCodec: big-endian, sign bit flipped) must spread
   * over the hash space: {@code Arrays.hashCode} maps these 100,000 onto about 9,000 values, and
   * the cache's map then searches buckets of equal hashes one {@code equals} at a time.
   */
  @Test
  void consecutiveIntegerKeysGetDistinctHashes() throws Exception {
    List<ColumnSpec> key = List.of(new ColumnSpec("id", "bigint", 20, true));
    Set<Integer> hashes = new HashSet<>();
    Set<Integer> arraysHashes = new HashSet<>();
    for (int id = 1; id <= 100_000; id++) {
      byte[] bytes = KeyCodec.encode(key, new String[] {Integer.toString(id)});
      hashes.add(new RowCache.Key(7, bytes).hashCode());
      arraysHashes.add(31 * 7 + Arrays.hashCode(bytes));
    }
    assertThat(arraysHashes).as("the hash this replaced").hasSizeLessThan(10_000);
    // Random 32-bit hashes of 100,000 keys collide about once (birthday bound).
    assertThat(hashes).hasSizeGreaterThan(99_990);
  }

  @Test
  void zeroBytesKeepsNothing() {
    RowCache off = new RowCache(0);
    off.put(7, KEY, OLD, off.stamp());
    assertThat(off.get(7, KEY)).isNull();
    assertThat(off.estimatedRows()).isZero();
  }
}
