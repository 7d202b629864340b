package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.featurestore.spi.ColumnSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

  /**
   * Random puts, refreshes, deletes and forgets of 2,000 keys of two tables against a map, with
   * room for them all: every lookup answers the map's row, so no index slot is lost or misplaced
   * (deletion moves later slots back) and the log grows without losing an entry.
   */
  @Test
  void withRoomForAllRowsEveryLookupAnswersTheLatestRow() {
    RowCache cache = new RowCache(64L << 20);
    Map<RowCache.Key, byte[]> model = new HashMap<>();
    Random random = new Random(42);
    for (int step = 0; step < 200_000; step++) {
      int family = random.nextInt(2);
      byte[] key = key(random.nextInt(1_000));
      RowCache.Key id = new RowCache.Key(family, key);
      switch (random.nextInt(4)) {
        case 0, 1 -> {
          byte[] row = row(random, random.nextInt(300));
          cache.put(family, key, row, cache.stamp());
          model.put(id, row);
        }
        case 2 -> {
          byte[] row = random.nextInt(4) == 0 ? null : row(random, random.nextInt(300));
          cache.refresh(List.of(id), Arrays.asList(row));
          if (row == null) {
            model.remove(id);
          } else {
            model.replace(id, row);
          }
        }
        default -> {
          cache.invalidate(List.of(id));
          model.remove(id);
        }
      }
      if (step % 10_000 == 0 || step == 199_999) {
        for (int f = 0; f < 2; f++) {
          for (int k = 0; k < 1_000; k++) {
            assertThat(cache.get(f, key(k)))
                .as("table %d key %d at step %d", f, k, step)
                .isEqualTo(model.get(new RowCache.Key(f, key(k))));
          }
        }
        assertThat(cache.estimatedRows()).isEqualTo(model.size());
      }
    }
  }

  /**
   * A small cache wraps its log over and over: what it answers is always the latest row of the key,
   * never an older one, the rows put last are kept, and it holds no more than its budget.
   */
  @Test
  void aFullCacheDropsItsOldestRowsAndNeverAnswersAnOldOne() {
    int budget = 64 << 10; // one segment
    RowCache cache = new RowCache(budget);
    Map<Integer, byte[]> model = new HashMap<>();
    Random random = new Random(7);
    List<Integer> recent = new ArrayList<>();
    for (int step = 0; step < 100_000; step++) {
      int k = random.nextInt(3_000);
      byte[] row = row(random, random.nextInt(random.nextInt(10) == 0 ? 5_000 : 200));
      if (random.nextInt(3) == 0) {
        cache.refresh(List.of(new RowCache.Key(3, key(k))), Arrays.asList(row));
        if (cache.get(3, key(k)) != null) {
          model.put(k, row);
        }
      } else {
        cache.put(3, key(k), row, cache.stamp());
        model.put(k, row);
        recent.add(k);
      }
      if (step % 5_000 == 4_999) {
        long cachedBytes = 0;
        for (int key = 0; key < 3_000; key++) {
          byte[] cached = cache.get(3, key(key));
          if (cached != null) {
            assertThat(cached).as("key %d at step %d", key, step).isEqualTo(model.get(key));
            cachedBytes += 17 + 4 + cached.length;
          }
        }
        assertThat(cachedBytes).isLessThanOrEqualTo(budget);
        int last = recent.getLast();
        assertThat(cache.get(3, key(last))).as("the row put last").isEqualTo(model.get(last));
      }
    }
  }

  @Test
  void rowsNeverReadAreDroppedFirstInFirstOut() {
    RowCache cache = new RowCache(64 << 10); // one segment: a 48 KiB log and its index
    for (int k = 0; k < 1_000; k++) {
      cache.put(7, key(k), new byte[100], cache.stamp()); // 121 bytes with the key and header
    }
    // 1,000 rows of 121 bytes do not fit in 49,152: the first ones went, the last 406 stay.
    assertThat(cache.get(7, key(0))).isNull();
    assertThat(cache.get(7, key(500))).isNull();
    for (int k = 600; k < 1_000; k++) {
      assertThat(cache.get(7, key(k))).as("key %d", k).hasSize(100);
    }
    assertThat(cache.estimatedRows()).isBetween(400L, 406L);
  }

  /** A row read between writes of others gets a second chance each time the tail reaches it. */
  @Test
  void aRowReadOftenOutlivesAScanOfOthers() {
    RowCache cache = new RowCache(64 << 10);
    byte[] hot = key(-1);
    cache.put(7, hot, OLD, cache.stamp());
    for (int k = 0; k < 10_000; k++) {
      assertThat(cache.get(7, hot)).as("the hot row before cold row %d", k).isEqualTo(OLD);
      cache.put(7, key(k), new byte[100], cache.stamp());
    }
    assertThat(cache.get(7, key(0))).as("a cold row read once").isNull();
  }

  /** The index takes at most a quarter of the budget: 1,024 rows in 64 KiB, however small. */
  @Test
  void theIndexStaysWithinTheBudget() {
    RowCache cache = new RowCache(64 << 10);
    for (int k = 0; k < 5_000; k++) {
      cache.put(7, key(k), new byte[0], cache.stamp()); // 21 bytes: 2,340 would fit in the log
    }
    assertThat(cache.estimatedRows()).isEqualTo(1_024);
    assertThat(cache.get(7, key(4_999))).isEmpty();
    cache.invalidateAll();
    assertThat(cache.estimatedRows()).isZero();
    cache.put(7, key(1), OLD, cache.stamp());
    assertThat(cache.get(7, key(1))).isEqualTo(OLD);
  }

  @Test
  void aRowOfMoreThanHalfASegmentIsNotKept() {
    RowCache cache = new RowCache(64 << 10);
    cache.put(7, KEY, OLD, cache.stamp());
    byte[] huge = new byte[40 << 10];
    cache.refresh(List.of(new RowCache.Key(7, KEY)), Arrays.asList(huge));
    assertThat(cache.get(7, KEY)).as("the cached row replaced by one too large").isNull();
    cache.put(7, KEY, huge, cache.stamp());
    assertThat(cache.get(7, KEY)).isNull();
    assertThat(cache.estimatedRows()).isZero();
  }

  private static byte[] key(int k) {
    return new byte[] {(byte) (k >>> 24), (byte) (k >>> 16), (byte) (k >>> 8), (byte) k};
  }

  private static byte[] row(Random random, int length) {
    byte[] row = new byte[length];
    random.nextBytes(row);
    return row;
  }
}
