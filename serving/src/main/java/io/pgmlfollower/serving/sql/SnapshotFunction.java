package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.optional;
import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.serving.sql.ModelService.SnapshotOutcome;
import java.util.List;

/**
 * {@code pgml.snapshot(relation_name, y_column_name, test_size, test_sampling, preprocess)} with
 * PostgresML's signature (https://postgresml.org/docs/open-source/pgml/api/pgml.snapshot): an
 * immutable copy of the relation in {@code pgml.snapshot_<id>}. PostgresML returns {@code
 * TABLE(relation, y_column_name)}; the follower adds the snapshot's id, its row count and the
 * source LSN its rows are consistent with.
 */
final class SnapshotFunction extends FunctionShape {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(
          required("relation_name", PgType.TEXT),
          required("y_column_name", PgType.TEXT),
          optional("test_size", PgType.FLOAT4, 0.25),
          optional("test_sampling", PgType.TEXT, "random"),
          optional("preprocess", PgType.JSONB, "{}"));

  static final List<ColumnDescription> COLUMNS =
      List.of(
          new ColumnDescription("relation", PgType.TEXT),
          new ColumnDescription("y_column_name", PgType.TEXT),
          new ColumnDescription("snapshot_id", PgType.INT8),
          new ColumnDescription("num_rows", PgType.INT8),
          new ColumnDescription("source_lsn", PgType.TEXT));

  private final ModelService models;

  SnapshotFunction(ModelService models) {
    super("snapshot", PARAMETERS, COLUMNS, true);
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    if (!arguments.jsonObject("preprocess").isEmpty()) {
      throw new PgWireException(
          SqlState.FEATURE_NOT_SUPPORTED,
          "pgml.snapshot: preprocess is not supported yet",
          "snapshot without it: the copy keeps the relation's raw values");
    }
    Double testSize = arguments.number("test_size");
    String testSampling = arguments.text("test_sampling");
    cancel.check();
    SnapshotOutcome outcome =
        models.snapshot(
            arguments.requiredText("relation_name"),
            arguments.requiredText("y_column_name"),
            testSize == null ? 0.25 : testSize,
            testSampling == null ? "random" : testSampling,
            cancel);
    return List.<Object[]>of(outcome.row());
  }
}
