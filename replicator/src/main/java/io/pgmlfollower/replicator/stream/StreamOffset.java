package io.pgmlfollower.replicator.stream;

import io.pgmlfollower.replicator.connection.Lsn;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The positions of one source, written by the replication thread and read by anyone: what the
 * server sent, what the sink holds (and the server was told), and up to where nothing is pending.
 */
public final class StreamOffset {
  private final Object monitor = new Object();

  private volatile Lsn received = Lsn.INVALID;
  private volatile Lsn stored = Lsn.INVALID;
  private volatile Lsn applied = Lsn.INVALID;
  private volatile Instant lastAppliedCommitTime;
  private volatile Instant inFlightCommitTime;
  private volatile long appliedChanges;

  /** The latest position the server reported: a message's LSN or a keepalive's WAL end. */
  public Lsn received() {
    return received;
  }

  /** The position the sink durably holds; the only one ever acknowledged to the server. */
  public Lsn stored() {
    return stored;
  }

  /**
   * Everything the source has up to this position is in the sink: the stored position, or a later
   * one when the transactions in between held nothing for us. Read-your-writes waits on this.
   */
  public Lsn applied() {
    return applied;
  }

  public Optional<Instant> lastAppliedCommitTime() {
    return Optional.ofNullable(lastAppliedCommitTime);
  }

  /** The source commit time of the transaction being received, if one is. */
  public Optional<Instant> inFlightCommitTime() {
    return Optional.ofNullable(inFlightCommitTime);
  }

  /** Row changes and truncates applied from the stream since start-up (a rate gives rows/s). */
  public long appliedChanges() {
    return appliedChanges;
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // one writer: the replication thread
  void applied(int changes) {
    appliedChanges += changes;
  }

  void received(Lsn lsn) {
    if (lsn.isAfter(received)) {
      received = lsn;
    }
  }

  void inFlight(Instant commitTime) {
    inFlightCommitTime = commitTime;
  }

  /** The sink durably holds everything up to {@code lsn} (a commit's end, or an idle position). */
  public void stored(Lsn lsn, Optional<Instant> commitTime) {
    synchronized (monitor) {
      stored = lsn;
      commitTime.ifPresent(time -> lastAppliedCommitTime = time);
      if (lsn.isAfter(applied)) {
        applied = lsn;
      }
      received(lsn);
      monitor.notifyAll();
    }
  }

  /** Nothing is pending up to {@code lsn}, though it need not be stored yet. */
  void caughtUp(Lsn lsn) {
    if (!lsn.isAfter(applied)) {
      return;
    }
    synchronized (monitor) {
      if (lsn.isAfter(applied)) {
        applied = lsn;
        monitor.notifyAll();
      }
    }
  }

  /** Wakes {@link #awaitApplied} waiters, e.g. when the source stopped or failed. */
  public void wakeWaiters() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /**
   * Waits until {@link #applied()} reaches {@code lsn}, the timeout passes, or {@code giveUp} says
   * waiting is pointless (checked at every wake-up).
   */
  public boolean awaitApplied(Lsn lsn, Duration timeout, BooleanSupplier giveUp)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (applied.isBefore(lsn)) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0 || giveUp.getAsBoolean()) {
          return false;
        }
        monitor.wait(Math.max(1, remaining / 1_000_000L));
      }
      return true;
    }
  }
}
