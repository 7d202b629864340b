package io.pgmlfollower.replicator;

import io.pgmlfollower.replicator.connection.Lsn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running source of changes for the stores, whatever it reads: a PostgreSQL publication over
 * logical replication ({@link PgOutputSource}) or Debezium's change events from Kafka ({@code
 * kafka.KafkaSource}). What the follower's endpoint, metrics and scheduled training need of it.
 */
public interface ReplicationSource extends AutoCloseable {
  /** Starts reading on a thread of its own. */
  void start();

  /** A point-in-time view, as {@code pgml.replication_status()} shows it. */
  ReplicationStatus status();

  /**
   * Runs {@code listener} after every later change of {@code status().state()}, on whichever thread
   * made the change (the source's own, or one calling {@link #close()}): it must return at once and
   * not throw ({@link ReplicationStateMachine}).
   */
  void addStateListener(Runnable listener);

  /**
   * Completes when the initial load is in the stores (or at once when they held it already); fails
   * when the source fails or closes first.
   */
  CompletableFuture<Void> snapshotDone();

  /** Waits for {@link #snapshotDone()}; rethrows the source's failure. */
  default void awaitSnapshot(Duration timeout)
      throws ReplicatorException, TimeoutException, InterruptedException {
    try {
      snapshotDone().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ReplicatorException failure) {
        throw new ReplicatorException(failure.code(), failure.getMessage(), failure);
      }
      throw new ReplicatorException(
          ReplicatorErrorCode.INTERNAL, "snapshot failed: " + e.getCause(), e.getCause());
    }
  }

  /**
   * Waits until everything the source PostgreSQL wrote up to {@code lsn} is in the stores.
   *
   * @return false when the timeout passed first
   * @throws ReplicatorException when the source failed, was closed, or has no LSNs to compare
   *     ({@link ReplicatorErrorCode#UNSUPPORTED})
   */
  boolean awaitApplied(Lsn lsn, Duration timeout) throws ReplicatorException, InterruptedException;

  /** Stops reading; what was applied stays applied. */
  @Override
  void close();
}
