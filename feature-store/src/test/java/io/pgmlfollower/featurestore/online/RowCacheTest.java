package io.pgmlfollower.featurestore.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
  void zeroBytesKeepsNothing() {
    RowCache off = new RowCache(0);
    off.put(7, KEY, OLD, off.stamp());
    assertThat(off.get(7, KEY)).isNull();
    assertThat(off.estimatedRows()).isZero();
  }
}
