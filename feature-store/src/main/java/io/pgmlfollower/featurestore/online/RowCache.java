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
 * after), under the lock of the row's segment, which a writer takes to update it.
 *
 * <p>Out of the garbage collector's way: the rows live in a few large byte arrays, one log per
 * segment, found through arrays of ints, so a young collection has nothing of the cache's to copy.
 * A cache of objects (Caffeine's, before: five per row, the key, its bytes, the row's bytes and two
 * map nodes) had every row read or refreshed since the last collection copied by it, and under
 * {@code bench/soak} those pauses took 50–70 ms against 9–12 ms without a cache
 * (docs/reliability.md, session 16). A hit copies the row's bytes out: one short-lived array.
 *
 * <p>Eviction is CLOCK within a segment (first in, first out with a second chance): a row put or
 * refreshed goes to the head of its segment's log, and room is made at the tail, where a row read
 * since it was written moves to the head instead of out (its read mark cleared), so rows read often
 * stay while a scan of others passes through. A refreshed or forgotten row's old bytes stay in the
 * log until the tail passes them, so a table updated often keeps fewer rows than the budget would
 * hold. The budget covers the logs and their indexes; a row of more than half a segment's log is
 * not kept.
 */
final class RowCache {
  /** A segment's log is one array: a Java array holds at most 2 GiB, kept well under that. */
  private static final int MAX_SEGMENT_BYTES = 1 << 26;

  /** Segments for a cache of 1 MiB or more: each has its own lock, readers rarely meet. */
  private static final int SEGMENTS = 16;

  private static final int MIN_SEGMENT_BYTES = 64 << 10;

  /** 4 TiB at {@link #MAX_SEGMENT_BYTES} each: beyond that the budget is not all used. */
  private static final int MAX_SEGMENTS = 1 << 16;

  private final Segment[] segments; // null: no cache, every lookup misses
  private final int segmentShift; // the hash's top bits pick the segment, its low bits the slot
  private final Object lock = new Object(); // writers, one at a time

  /**
   * Counts writes, incremented under lock before a writer touches any segment; read without it by
   * {@link #stamp} and {@link #put}, which must not wait for a writer.
   */
  private volatile long invalidations;

  /**
   * A cache of at most {@code maximumBytes} in all (the rows, their keys and the indexes), or none
   * when it is 0.
   */
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
    while (maximumBytes / count > MAX_SEGMENT_BYTES && count < MAX_SEGMENTS) {
      count *= 2;
    }
    int segmentBytes = (int) Math.min(maximumBytes / count, MAX_SEGMENT_BYTES);
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

  /**
   * Keeps a row read from RocksDB, unless a write invalidated anything since {@code stamp}. Under
   * the segment's monitor alone: a writer counts its write before it reaches any segment, so a put
   * that still sees {@code stamp} comes before the writer's turn on this segment, which then
   * replaces or forgets the row. Readers that missed never wait for a writer's whole batch.
   */
  void put(int family, byte[] key, byte[] stored, long stamp) {
    if (segments == null) {
      return;
    }
    int hash = Key.hash(family, key);
    Segment segment = segment(hash);
    synchronized (segment) {
      if (invalidations == stamp) {
        segment.put(hash, family, key, stored);
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
     * state, so keys of one length that differ in one byte differ before the fold), then
     * MurmurHash3's 64-bit finalizer spreads every bit over the 32 kept. Equal hashes are told
     * apart by the key's bytes.
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
   * entry:  | length (int) | family (int) | key length (int) | hash (int) | read (byte) | key | row |
   * log:    [ ... tail → oldest entries ... newest ← head ... free ... ]  (or wrapped around)
   * </pre>
   *
   * An entry never straddles the array's end: where the next one does not fit, the log goes on at
   * offset 0 and the rest of the array is skipped ({@link #WRAP} marks it where 4 bytes are left).
   * The log starts small and doubles, while it runs from offset 0, up to three quarters of the
   * segment's budget; the index takes at most the last quarter, and holds a live entry for at most
   * every other slot. Past either limit, the oldest entries make room.
   */
  private static final class Segment {
    static final int HEADER = 17;
    private static final int READ = 16; // the read mark's offset in an entry
    private static final int WRAP = -1;
    private static final int INITIAL_BYTES = 64 << 10;
    private static final int INITIAL_SLOTS = 1 << 10;
    private static final VarHandle INT =
        MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final int maxSlots;
    private final int maxLogBytes;
    private byte[] log;
    private int head; // where the next entry goes
    private int tail; // the oldest entry (live or dead)
    private int entries; // entries in the log, live or dead

    private int[] slots; // a live entry's offset + 1; 0: empty
    private int[] hashes;
    private int count; // live entries

    Segment(int budgetBytes) {
      // Two int arrays: 8 bytes a slot, within a quarter of the budget (at least 2 slots).
      this.maxSlots = Integer.highestOneBit(Math.max(2, budgetBytes / 4 / 8));
      this.maxLogBytes = Math.max(budgetBytes - maxSlots * 8, HEADER * 2);
      this.log = new byte[Math.min(maxLogBytes, INITIAL_BYTES)];
      newIndex();
    }

    byte[] get(int hash, int family, byte[] key) {
      int slot = find(hash, family, key);
      if (slot < 0) {
        return null;
      }
      int offset = slots[slot] - 1;
      log[offset + READ] = 1;
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
      newIndex();
      head = 0;
      tail = 0;
      entries = 0;
    }

    private void newIndex() {
      int size = Math.min(INITIAL_SLOTS, maxSlots);
      slots = new int[size];
      hashes = new int[size];
      count = 0;
    }

    private void append(int hash, int family, byte[] key, byte[] row) {
      long length = (long) HEADER + key.length + row.length;
      if (length > maxLogBytes / 2) {
        return; // it would push out half the segment: not kept
      }
      while ((count + 1) * 2 > maxSlots) {
        evictOldest(); // the index is full
      }
      int size = (int) length;
      makeRoom(size);
      int offset = head;
      writeInt(offset, size);
      writeInt(offset + 4, family);
      writeInt(offset + 8, key.length);
      writeInt(offset + 12, hash);
      log[offset + READ] = 0;
      System.arraycopy(key, 0, log, offset + HEADER, key.length);
      System.arraycopy(row, 0, log, offset + HEADER + key.length, row.length);
      head = offset + size;
      entries++;
      insert(hash, offset);
    }

    private boolean wrapped() {
      return head < tail || (head == tail && entries > 0);
    }

    /** Leaves {@code size} contiguous free bytes at {@link #head}, growing or evicting. */
    private void makeRoom(int size) {
      while (true) {
        if (entries == 0) {
          head = 0;
          tail = 0;
        }
        if (wrapped()) {
          if (tail - head >= size) {
            return; // free: [head, tail)
          }
          evictOldest();
        } else if (log.length - head >= size) {
          return; // free: [head, end) and [0, tail)
        } else if (tail == 0 && log.length < maxLogBytes) {
          // The entries are [0, head): the array grows around them in place.
          long wanted = Math.max((long) log.length * 2, (long) head + size);
          log = Arrays.copyOf(log, (int) Math.min(wanted, maxLogBytes));
        } else {
          // On at offset 0. Where the tail is at 0 too, the log is now full (head == tail): the
          // oldest entry is then taken off, or kept in place as the newest when it was read.
          if (log.length - head >= 4) {
            writeInt(head, WRAP);
          }
          head = 0;
        }
      }
    }

    /**
     * Takes the oldest entry off the tail. A live entry read since it was written gets a second
     * chance: moved to the head with its mark cleared, where there is room (always, once the log
     * has wrapped: the free bytes before the tail then end where the entry starts). Otherwise it is
     * dropped, its key forgotten when the entry is still the key's live one.
     */
    private void evictOldest() {
      int size = readInt(tail);
      int slot = slotOf(readInt(tail + 12), tail);
      if (slot >= 0 && log[tail + READ] != 0 && (wrapped() || log.length - head >= size)) {
        System.arraycopy(log, tail, log, head, size); // overlapping ranges copy as if buffered
        log[head + READ] = 0;
        slots[slot] = head + 1;
        head += size;
      } else {
        if (slot >= 0) {
          remove(slot);
        }
        entries--;
      }
      tail += size;
      // Past the last entry before the array's end: the next oldest is at 0.
      if (entries > 0 && (log.length - tail < HEADER || readInt(tail) == WRAP)) {
        tail = 0;
      }
    }

    /** The slot of the live entry at {@code offset}, or -1 when that entry is dead. */
    private int slotOf(int hash, int offset) {
      int mask = slots.length - 1;
      for (int i = hash & mask; slots[i] != 0; i = (i + 1) & mask) {
        if (slots[i] == offset + 1) {
          return i;
        }
      }
      return -1;
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

    /** Indexes an entry whose key is not indexed; {@link #append} left a slot for it. */
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
