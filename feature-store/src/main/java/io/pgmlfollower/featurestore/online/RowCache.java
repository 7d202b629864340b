package io.pgmlfollower.featurestore.online;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Stored rows recently read by key, in the heap: a lookup that hits skips RocksDB altogether (the
 * JNI call, the memtables, the filter, index and data blocks), which is most of what {@code
 * pgml.predict_by_key} costs on top of the prediction (docs/benchmarks.md). Bounded by bytes, with
 * Caffeine's W-TinyLFU eviction: a hot set of keys stays while a scan of cold ones passes through.
 *
 * <p>Never stale once a write is visible: every write to a table's rows (a batch's keys, a
 * truncate, a snapshot load) updates or invalidates what it changed after RocksDB holds it and
 * before the store's {@code apply} returns, so before the replicator publishes the position. A
 * batch's written rows replace the cached ones of the same keys ({@link #refresh}): a key that is
 * read and updated keeps hitting, where forgetting it would send the next read to RocksDB. A reader
 * that missed and read RocksDB may still hold a value a concurrent write has since replaced; it
 * puts it only when no write happened since it began ({@link #stamp} before the read, {@link #put}
 * after), under the same lock the writers update the cache with.
 */
final class RowCache {
  /**
   * Per entry beyond the key's and the row's bytes: the key object and its hash, two array headers,
   * Caffeine's node and the ConcurrentHashMap's, roughly.
   */
  private static final int ENTRY_OVERHEAD = 150;

  private final Cache<Key, byte[]> rows; // null: no cache, every lookup misses
  private final Object lock = new Object();

  /** Written under lock; read without it by {@link #stamp}, which must not wait for a writer. */
  private volatile long invalidations;

  /** A cache of at most {@code maximumBytes}, or none (every lookup misses) when it is 0. */
  RowCache(long maximumBytes) {
    this.rows =
        maximumBytes == 0
            ? null
            : Caffeine.newBuilder()
                .maximumWeight(maximumBytes)
                .weigher(
                    (Key key, byte[] value) -> key.bytes.length + value.length + ENTRY_OVERHEAD)
                // Evictions run on the calling thread: no pool thread for a cache this simple.
                .executor(Runnable::run)
                .build();
  }

  /** The stored row of {@code key} in the table whose column family has {@code family}, or null. */
  byte[] get(int family, byte[] key) {
    return rows == null ? null : rows.getIfPresent(new Key(family, key));
  }

  /** To take before reading RocksDB on a miss, and give to {@link #put} after. */
  long stamp() {
    return invalidations;
  }

  /** Keeps a row read from RocksDB, unless a write invalidated anything since {@code stamp}. */
  void put(int family, byte[] key, byte[] stored, long stamp) {
    synchronized (lock) {
      if (rows != null && invalidations == stamp) {
        rows.put(new Key(family, key), stored);
      }
    }
  }

  /**
   * Brings the cached rows of a written batch up to date, in the batch's order: a cached key takes
   * its new row, a deleted one (null row) is forgotten; keys not cached stay out (a write is not a
   * read). RocksDB holds the batch already.
   */
  void refresh(List<Key> keys, List<byte[]> stored) {
    synchronized (lock) {
      invalidations++;
      if (rows != null) {
        Map<Key, byte[]> map = rows.asMap();
        for (int i = 0; i < keys.size(); i++) {
          byte[] row = stored.get(i);
          if (row == null) {
            map.remove(keys.get(i));
          } else {
            map.replace(keys.get(i), row);
          }
        }
      }
    }
  }

  /** Forgets the rows of these keys, written or deleted (RocksDB holds the change already). */
  void invalidate(Collection<Key> keys) {
    synchronized (lock) {
      invalidations++;
      if (rows != null) {
        rows.invalidateAll(keys);
      }
    }
  }

  /** Forgets every row: a table emptied, loaded or truncated. */
  void invalidateAll() {
    synchronized (lock) {
      invalidations++;
      if (rows != null) {
        rows.invalidateAll();
      }
    }
  }

  long estimatedRows() {
    return rows == null ? 0 : rows.estimatedSize();
  }

  /** A row's identity: its table's column family id and its key's bytes. */
  static final class Key {
    private final int family;
    private final byte[] bytes;
    private final int hash;

    Key(int family, byte[] bytes) {
      this.family = family;
      this.bytes = bytes;
      this.hash = hash(family, bytes);
    }

    /**
     * Not {@link Arrays#hashCode(byte[])}: keys are mostly integers in big-endian bytes, and its
     * {@code 31·h + b} maps consecutive ones onto few values (100,000 consecutive ids onto about
     * 9,000), so the map's buckets turn into trees of equal hashes searched with {@code equals}.
     * Here each byte goes through a multiply and an xor-shift (each a bijection of the 64-bit
     * state, so keys of one length that differ anywhere differ before the fold), then MurmurHash3's
     * 64-bit finalizer spreads every bit over the 32 kept.
     */
    static int hash(int family, byte[] bytes) {
      long h = family;
      for (byte b : bytes) {
        h = (h ^ (b & 0xFF)) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
      }
      h ^= h >>> 33;
      h *= 0xFF51AFD7ED558CCDL;
      h ^= h >>> 33;
      h *= 0xC4CEB9FE1A85EC53L;
      h ^= h >>> 33;
      return (int) h;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key
          && key.family == family
          && key.hash == hash
          && Arrays.equals(key.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
