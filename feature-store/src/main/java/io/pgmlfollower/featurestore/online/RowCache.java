package io.pgmlfollower.featurestore.online;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Stored rows recently read by key, in the heap: a lookup that hits skips RocksDB altogether (the
 * JNI call, the memtables, the filter, index and data blocks), which is most of what {@code
 * pgml.predict_by_key} costs on top of the prediction (docs/benchmarks.md).
 *
 * <p>Never stale once a write is visible: every write to a table's rows (a batch's keys, a
 * truncate, a snapshot load) updates or invalidates what it changed after RocksDB holds it and
 * before the store's {@code apply} returns, so before the replicator publishes the position. A
 * batch's written rows replace the cached ones of the same keys ({@link #refresh}): a key that is
 * read and updated keeps hitting, where forgetting it would send the next read to RocksDB. A reader
 * that missed and read RocksDB may still hold a value a concurrent write has since replaced; it
 * puts it only when no write happened since it began ({@link #stamp} before the read, {@link #put}
 * after), under the same lock the writers update the cache with.
 *
 * <p>Out of the garbage collector's way: the rows live in a few large byte arrays, one log per
 * segment, found through arrays of ints, so a young collection has nothing of the cache's to copy.
 * A cache of objects (Caffeine's, before: five per row, the key, its bytes, the row's bytes and two
 * map nodes) had every row read or refreshed since the last collection copied by it, and under
 * {@code bench/soak} those pauses took 50–70 ms against 9–12 ms without a cache
 * (docs/reliability.md, session 16). A hit copies the row's bytes out: one short-lived array.
 *
 * <p>Eviction is first in, first out within a segment: a row read or refreshed goes to the head of
 * its segment's log, and room is made by dropping the rows at the tail. A refreshed or forgotten
 * row's old bytes stay in the log until the tail passes them, so a table updated often keeps fewer
 * rows than the budget would hold.
 */
final class RowCache {
  /** A segment's log is one array: a Java array holds at most 2 GiB, kept well under that. */
  private static final int MAX_SEGMENT_BYTES = 1 << 26;

  /** Segments for a cache of 1 MiB or more: each has its own lock, readers rarely meet. */
  private static final int SEGMENTS = 16;

  private static final int MIN_SEGMENT_BYTES = 64 << 10;

  private final Segment[] segments; // null: no cache, every lookup misses
  private final int segmentShift; // the hash's top bits pick the segment, its low bits the slot
  private final Object lock = new Object();

  /** Written under lock; read without it by {@link #stamp}, which must not wait for a writer. */
  private volatile long invalidations;

  /** A cache of at most {@code maximumBytes} of rows and their keys, or none when it is 0. */
  RowCache(long maximumBytes) {
    if (maximumBytes < 0) {
      throw new IllegalArgumentException("maximumBytes is negative: " + maximumBytes);
    }
    if (maximumBytes == 0) {
      segments = null;
      segmentShift = 0;
      return;
    }
    int count = 1;
    while (count < SEGMENTS && maximumBytes / (count * 2L) >= MIN_SEGMENT_BYTES) {
      count *= 2;
    }
    while (maximumBytes / count > MAX_SEGMENT_BYTES) {
      count *= 2;
    }
    int segmentBytes = (int) Math.max(maximumBytes / count, Segment.HEADER * 2L);
    segments = new Segment[count];
    for (int i = 0; i < count; i++) {
      segments[i] = new Segment(segmentBytes);
    }
    segmentShift = 32 - Integer.numberOfTrailingZeros(count);
  }

  /** The stored row of {@code key} in the table whose column family has {@code family}, or null. */
  byte[] get(int family, byte[] key) {
    if (segments == null) {
      return null;
    }
    int hash = Key.hash(family, key);
    Segment segment = segment(hash);
    synchronized (segment) {
      return segment.get(hash, family, key);
    }
  }

  /** To take before reading RocksDB on a miss, and give to {@link #put} after. */
  long stamp() {
    return invalidations;
  }

  /** Keeps a row read from RocksDB, unless a write invalidated anything since {@code stamp}. */
  void put(int family, byte[] key, byte[] stored, long stamp) {
    if (segments == null) {
      return;
    }
    int hash = Key.hash(family, key);
    Segment segment = segment(hash);
    synchronized (lock) {
      if (invalidations == stamp) {
        synchronized (segment) {
          segment.put(hash, family, key, stored);
        }
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
      if (segments != null) {
        for (int i = 0; i < keys.size(); i++) {
          Key key = keys.get(i);
          Segment segment = segment(key.hash);
          synchronized (segment) {
            segment.replace(key.hash, key.family, key.bytes, stored.get(i));
          }
        }
      }
    }
  }

  /** Forgets the rows of these keys, written or deleted (RocksDB holds the change already). */
  void invalidate(Collection<Key> keys) {
    synchronized (lock) {
      invalidations++;
      if (segments != null) {
        for (Key key : keys) {
          Segment segment = segment(key.hash);
          synchronized (segment) {
            segment.replace(key.hash, key.family, key.bytes, null);
          }
        }
      }
    }
  }

  /** Forgets every row: a table emptied, loaded or truncated. */
  void invalidateAll() {
    synchronized (lock) {
      invalidations++;
      if (segments != null) {
        for (Segment segment : segments) {
          synchronized (segment) {
            segment.clear();
          }
        }
      }
    }
  }

  long estimatedRows() {
    if (segments == null) {
      return 0;
    }
    long rows = 0;
    for (Segment segment : segments) {
      synchronized (segment) {
        rows += segment.count;
      }
    }
    return rows;
  }

  private Segment segment(int hash) {
    return segments.length == 1 ? segments[0] : segments[hash >>> segmentShift];
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

  /**
   * One lock's share of the cache: a circular log of entries in one byte array, and an
   * open-addressing index (linear probing, deletion by backward shift) from a key's hash to its
   * live entry's offset. Not thread-safe: the caller holds the segment's monitor.
   *
   * <pre>
   * entry:  | length (int) | family (int) | key length (int) | hash (int) | key | row |
   * log:    [ ... tail → oldest entries ... newest ← head ... free ... ]  (or wrapped around)
   * </pre>
   *
   * An entry never straddles the array's end: where the next one does not fit, the log goes on at
   * offset 0 and the rest of the array is skipped ({@link #WRAP} marks it where 4 bytes are left).
   * The array starts small and doubles until it reaches the segment's budget; only then are entries
   * dropped.
   */
  private static final class Segment {
    static final int HEADER = 16;
    private static final int WRAP = -1;
    private static final int INITIAL_BYTES = 64 << 10;
    private static final int INITIAL_SLOTS = 1 << 10;
    private static final VarHandle INT =
        MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final int maxBytes;
    private byte[] log;
    private int head; // where the next entry goes
    private int tail; // the oldest entry (live or dead)
    private int entries; // entries in the log, live or dead

    private int[] slots = new int[INITIAL_SLOTS]; // a live entry's offset + 1; 0: empty
    private int[] hashes = new int[INITIAL_SLOTS];
    private int count; // live entries

    Segment(int maxBytes) {
      this.maxBytes = maxBytes;
      this.log = new byte[Math.min(maxBytes, INITIAL_BYTES)];
    }

    byte[] get(int hash, int family, byte[] key) {
      int slot = find(hash, family, key);
      if (slot < 0) {
        return null;
      }
      int offset = slots[slot] - 1;
      int start = offset + HEADER + key.length;
      return Arrays.copyOfRange(log, start, offset + readInt(offset));
    }

    /** Keeps {@code row} as the key's, new or in place of what was kept. */
    void put(int hash, int family, byte[] key, byte[] row) {
      int slot = find(hash, family, key);
      if (slot >= 0) {
        remove(slot);
      }
      append(hash, family, key, row);
    }

    /** Replaces a kept key's row ({@code row} null: forgets it); a key not kept stays out. */
    void replace(int hash, int family, byte[] key, byte[] row) {
      int slot = find(hash, family, key);
      if (slot < 0) {
        return;
      }
      remove(slot);
      if (row != null) {
        append(hash, family, key, row);
      }
    }

    void clear() {
      Arrays.fill(slots, 0);
      count = 0;
      head = 0;
      tail = 0;
      entries = 0;
    }

    private void append(int hash, int family, byte[] key, byte[] row) {
      long length = (long) HEADER + key.length + row.length;
      if (length > maxBytes / 2) {
        return; // it would push out half the segment: not kept
      }
      int size = (int) length;
      makeRoom(size);
      int offset = head;
      writeInt(offset, size);
      writeInt(offset + 4, family);
      writeInt(offset + 8, key.length);
      writeInt(offset + 12, hash);
      System.arraycopy(key, 0, log, offset + HEADER, key.length);
      System.arraycopy(row, 0, log, offset + HEADER + key.length, row.length);
      head = offset + size;
      entries++;
      insert(hash, offset);
    }

    /**
     * Leaves {@code size} contiguous free bytes at {@link #head}, growing or dropping the oldest.
     */
    private void makeRoom(int size) {
      while (true) {
        if (entries == 0) {
          head = 0;
          tail = 0;
        }
        boolean wrapped = head < tail || (head == tail && entries > 0);
        if (wrapped) {
          if (tail - head >= size) {
            return; // free: [head, tail)
          }
          dropTail();
        } else if (log.length - head >= size) {
          return; // free: [head, end) and [0, tail)
        } else if (tail == 0 && log.length < maxBytes) {
          // Not yet wrapped or dropped anything: the entries are [0, head), copied as they are.
          long wanted = Math.max((long) log.length * 2, (long) head + size);
          log = Arrays.copyOf(log, (int) Math.min(wanted, maxBytes));
        } else if (tail == 0) {
          dropTail(); // wrapping now would put the head on the tail
        } else {
          if (log.length - head >= 4) {
            writeInt(head, WRAP);
          }
          head = 0;
        }
      }
    }

    /** Drops the oldest entry, forgetting its key when the entry is still the key's live one. */
    private void dropTail() {
      int size = readInt(tail);
      int hash = readInt(tail + 12);
      int mask = slots.length - 1;
      for (int i = hash & mask; slots[i] != 0; i = (i + 1) & mask) {
        if (slots[i] == tail + 1) {
          remove(i);
          break;
        }
      }
      tail += size;
      entries--;
      // Past the last entry before the array's end: the next oldest is at 0.
      if (entries > 0 && (log.length - tail < HEADER || readInt(tail) == WRAP)) {
        tail = 0;
      }
    }

    private int find(int hash, int family, byte[] key) {
      int mask = slots.length - 1;
      for (int i = hash & mask; slots[i] != 0; i = (i + 1) & mask) {
        if (hashes[i] == hash && matches(slots[i] - 1, family, key)) {
          return i;
        }
      }
      return -1;
    }

    private boolean matches(int offset, int family, byte[] key) {
      int start = offset + HEADER;
      return readInt(offset + 4) == family
          && readInt(offset + 8) == key.length
          && Arrays.equals(log, start, start + key.length, key, 0, key.length);
    }

    /** Indexes an entry whose key is not indexed. */
    private void insert(int hash, int offset) {
      if ((count + 1) * 2 > slots.length) {
        resize();
      }
      int mask = slots.length - 1;
      int i = hash & mask;
      while (slots[i] != 0) {
        i = (i + 1) & mask;
      }
      slots[i] = offset + 1;
      hashes[i] = hash;
      count++;
    }

    /**
     * Empties a slot and moves later slots of the same probe run back, so that a search never stops
     * early at the hole (https://en.wikipedia.org/wiki/Linear_probing#Deletion).
     */
    private void remove(int slot) {
      int mask = slots.length - 1;
      int hole = slot;
      slots[hole] = 0;
      count--;
      for (int i = (hole + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
        int home = hashes[i] & mask;
        // The entry at i may move to the hole when the hole lies on its probe path: from its home
        // slot, the hole comes before i.
        if (((hole - home) & mask) < ((i - home) & mask)) {
          slots[hole] = slots[i];
          hashes[hole] = hashes[i];
          slots[i] = 0;
          hole = i;
        }
      }
    }

    private void resize() {
      int[] oldSlots = slots;
      int[] oldHashes = hashes;
      slots = new int[oldSlots.length * 2];
      hashes = new int[oldSlots.length * 2];
      int mask = slots.length - 1;
      for (int j = 0; j < oldSlots.length; j++) {
        if (oldSlots[j] != 0) {
          int i = oldHashes[j] & mask;
          while (slots[i] != 0) {
            i = (i + 1) & mask;
          }
          slots[i] = oldSlots[j];
          hashes[i] = oldHashes[j];
        }
      }
    }

    private int readInt(int offset) {
      return (int) INT.get(log, offset);
    }

    private void writeInt(int offset, int value) {
      INT.set(log, offset, value);
    }
  }
}
