package io.pgmlfollower.replicator.snapshot;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.featurestore.spi.TableId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far the copies of a source's tables are: the initial snapshot and the copies of tables added
 * to the publication later. Written by the copying thread, read by {@code
 * pgml.replication_status()} and the metrics; a table stays listed (COMMITTED) after its copy.
 */
public final class SnapshotProgress {
  /** Where a table's copy is. */
  public enum State {
    /** Waiting for its turn in this snapshot. */
    QUEUED,
    /** Rows are being copied. */
    COPYING,
    /** Every row is copied; the store's transaction has not committed yet. */
    COPIED,
    /** The copy is committed with the position it is consistent with. */
    COMMITTED,
    /** The copy failed and was rolled back; it is done again after a reconnect. */
    FAILED
  }

  /**
   * One table's copy.
   *
   * @param rows the rows copied so far
   * @param bytes the bytes of COPY text copied so far
   * @param elapsed since the copy started (until it was copied, once it is)
   * @param connections the source connections reading it (block ranges in parallel when more than
   *     one)
   */
  public record TableProgress(
      TableId table, State state, long rows, long bytes, Duration elapsed, int connections) {
    public TableProgress {
      requireNonNull(table, "table is null");
      requireNonNull(state, "state is null");
      requireNonNull(elapsed, "elapsed is null");
    }

    /** The copy's rate so far; 0 before it started. */
    public double rowsPerSecond() {
      return elapsed.isZero() ? 0 : rows * 1e9 / elapsed.toNanos();
    }
  }

  /** One table's counters: written by the one thread copying it, read by any. */
  static final class Entry {
    private volatile State state = State.QUEUED;
    private volatile long rows;
    private volatile long bytes;
    private volatile Instant started;
    private volatile Instant copied;
    private volatile int connections = 1;

    /** Several rows at once: a chunk from a reader of block ranges, or a batch of messages. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer
    void rows(int count, long length) {
      rows += count;
      bytes += length;
    }

    void connections(int connections) {
      this.connections = connections;
    }

    long rows() {
      return rows;
    }

    long bytes() {
      return bytes;
    }
  }

  private final Map<TableId, Entry> tables = new ConcurrentHashMap<>();

  void queued(TableId table) {
    tables.put(table, new Entry());
  }

  void started(TableId table) {
    Entry entry = entry(table);
    entry.started = Instant.now();
    entry.state = State.COPYING;
  }

  void copied(TableId table) {
    Entry entry = entry(table);
    entry.copied = Instant.now();
    entry.state = State.COPIED;
  }

  void committed(List<TableId> copied) {
    copied.forEach(table -> entry(table).state = State.COMMITTED);
  }

  void failed(List<TableId> copying) {
    for (TableId table : copying) {
      Entry entry = tables.get(table);
      if (entry != null && entry.state != State.COMMITTED) {
        entry.state = State.FAILED;
      }
    }
  }

  Entry entry(TableId table) {
    return tables.computeIfAbsent(table, ignored -> new Entry());
  }

  /** The copies, in no particular order. */
  public List<TableProgress> tables() {
    List<TableProgress> progress = new ArrayList<>();
    Instant now = Instant.now();
    tables.forEach(
        (table, entry) -> {
          Instant started = entry.started;
          Instant end = Optional.ofNullable(entry.copied).orElse(now);
          Duration elapsed = started == null ? Duration.ZERO : Duration.between(started, end);
          progress.add(
              new TableProgress(
                  table, entry.state, entry.rows, entry.bytes, elapsed, entry.connections));
        });
    return progress;
  }

  /** Whether any table is being copied or waits for its copy. */
  public boolean copying() {
    return tables.values().stream()
        .anyMatch(
            entry ->
                entry.state == State.QUEUED
                    || entry.state == State.COPYING
                    || entry.state == State.COPIED);
  }
}
