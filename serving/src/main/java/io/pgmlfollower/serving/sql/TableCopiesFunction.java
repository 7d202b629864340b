package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import java.util.List;

/**
 * {@code pgml.table_copies()} → one row per table copied since start-up (the initial snapshot's and
 * those of tables added to the publication later): state ({@code queued}, {@code copying}, {@code
 * copied}, {@code committed}, {@code failed}), rows and bytes so far, elapsed time and rate.
 */
final class TableCopiesFunction extends FunctionShape {
  private static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("source", PgType.TEXT),
          new ColumnDescription("schema_name", PgType.TEXT),
          new ColumnDescription("table_name", PgType.TEXT),
          new ColumnDescription("state", PgType.TEXT),
          new ColumnDescription("rows_copied", PgType.INT8),
          new ColumnDescription("bytes_copied", PgType.INT8),
          new ColumnDescription("elapsed_ms", PgType.INT8),
          new ColumnDescription("rows_per_second", PgType.FLOAT8));

  private final ReplicationService replication;

  TableCopiesFunction(ReplicationService replication) {
    super("table_copies", List.of(), COLUMNS, false);
    this.replication = requireNonNull(replication, "replication is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel) {
    return replication.tableCopies().stream()
        .map(
            c ->
                new Object[] {
                  c.source(),
                  c.schema(),
                  c.table(),
                  c.state(),
                  c.rows(),
                  c.bytes(),
                  c.elapsedMillis(),
                  c.rowsPerSecond()
                })
        .toList();
  }
}
