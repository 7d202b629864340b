package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.List;

/**
 * {@code pgml.replication_status()} → one row per source: state, slot, received and applied LSN,
 * lag in bytes and milliseconds, last error.
 */
final class ReplicationStatusFunction extends FunctionShape {
  private static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("source", PgType.TEXT),
          new ColumnDescription("state", PgType.TEXT),
          new ColumnDescription("slot", PgType.TEXT),
          new ColumnDescription("received_lsn", PgType.TEXT),
          new ColumnDescription("applied_lsn", PgType.TEXT),
          new ColumnDescription("lag_bytes", PgType.INT8),
          new ColumnDescription("lag_ms", PgType.INT8),
          new ColumnDescription("last_error", PgType.TEXT));

  private final ReplicationService replication;

  ReplicationStatusFunction(ReplicationService replication) {
    super("replication_status", List.of(), COLUMNS, false);
    this.replication = requireNonNull(replication, "replication is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel) {
    return replication.status().stream()
        .map(
            s ->
                new Object[] {
                  s.source(),
                  s.state(),
                  s.slot(),
                  s.receivedLsn(),
                  s.appliedLsn(),
                  s.lagBytes(),
                  s.lagMillis(),
                  s.lastError()
                })
        .toList();
  }
}
