package io.pgmlfollower.serving;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.replicator.ReplicationSource;
import io.pgmlfollower.replicator.ReplicationStatus;
import io.pgmlfollower.replicator.ReplicatorException;
import io.pgmlfollower.replicator.connection.Lsn;
import io.pgmlfollower.replicator.snapshot.SnapshotProgress;
import io.pgmlfollower.serving.sql.ReplicationService;
import java.time.Duration;
import java.util.List;

/** The SQL front's view of the running source. */
final class SourceReplicationService implements ReplicationService {
  /** Waits are sliced so a CancelRequest ends them promptly. */
  private static final Duration SLICE = Duration.ofMillis(100);

  private final ReplicationSource source;

  SourceReplicationService(ReplicationSource source) {
    this.source = requireNonNull(source, "source is null");
  }

  @Override
  public List<SourceStatus> status() {
    ReplicationStatus s = source.status();
    return List.of(
        new SourceStatus(
            s.sourceName(),
            s.state().name().toLowerCase(java.util.Locale.ROOT),
            s.slot(),
            s.receivedLsn(),
            s.appliedLsn(),
            s.lagBytes(),
            s.lagMillis(),
            s.lastError().orElse(null)));
  }

  @Override
  public List<TableCopy> tableCopies() {
    ReplicationStatus s = source.status();
    return s.tableCopies().stream()
        .sorted(
            java.util.Comparator.comparing((SnapshotProgress.TableProgress p) -> p.table().schema())
                .thenComparing(p -> p.table().name()))
        .map(
            p ->
                new TableCopy(
                    s.sourceName(),
                    p.table().schema(),
                    p.table().name(),
                    p.state().name().toLowerCase(java.util.Locale.ROOT),
                    p.rows(),
                    p.bytes(),
                    p.elapsed().toMillis(),
                    p.rowsPerSecond()))
        .toList();
  }

  @Override
  public boolean waitForLsn(String lsnText, Duration timeout, Cancellation cancel)
      throws PgWireException {
    Lsn lsn;
    try {
      lsn = Lsn.parse(lsnText);
    } catch (IllegalArgumentException e) {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "invalid input syntax for type pg_lsn: \"" + lsnText + "\"",
          "pass the LSN as PostgreSQL prints it, e.g. SELECT pg_current_wal_lsn() on the source");
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        cancel.check();
        long left = deadline - System.nanoTime();
        Duration slice = Duration.ofNanos(Math.max(0, Math.min(left, SLICE.toNanos())));
        if (source.awaitApplied(lsn, slice)) {
          return true;
        }
        if (left <= 0) {
          return false;
        }
      }
    } catch (ReplicatorException e) {
      if (e.code() == io.pgmlfollower.replicator.ReplicatorErrorCode.UNSUPPORTED) {
        throw new PgWireException(SqlState.FEATURE_NOT_SUPPORTED, e.getMessage());
      }
      throw new PgWireException(
          SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
          "replication is not running: " + e.getMessage(),
          "see SELECT * FROM pgml.replication_status() and the follower's log");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PgWireException(
          SqlState.QUERY_CANCELED, "interrupted while waiting for " + lsnText);
    }
  }
}
