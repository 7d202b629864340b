package io.pgmlfollower.serving.sql;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.time.Duration;
import java.util.List;

/** What the SQL front needs of the sources. */
public interface ReplicationService {
  /** One row per source. */
  List<SourceStatus> status();

  /** The table copies of every source: the initial snapshot's and those of tables added later. */
  List<TableCopy> tableCopies();

  /**
   * Waits until the source has applied {@code lsn} (text form, e.g. {@code 0/16B3748}).
   *
   * @return whether it was applied within the timeout
   */
  boolean waitForLsn(String lsn, Duration timeout, Cancellation cancel) throws PgWireException;

  /** A source's replication state, as {@code pgml.replication_status()} shows it. */
  record SourceStatus(
      String source,
      String state,
      String slot,
      String receivedLsn,
      String appliedLsn,
      long lagBytes,
      long lagMillis,
      String lastError) {}

  /** One table's copy, as {@code pgml.table_copies()} shows it. */
  record TableCopy(
      String source,
      String schema,
      String table,
      String state,
      long rows,
      long bytes,
      long elapsedMillis,
      double rowsPerSecond) {}
}
