package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pgml.predict_by_key(project_name, key)} → real: the prediction for the row of the
 * project's relation with that primary key, as of the last applied source position; NULL when no
 * row has the key. The key is one value ({@code text}) of a single-column primary key, or a {@code
 * jsonb} object of every primary-key column's value (composite keys).
 *
 * <p>{@code pgml.predict_by_key_with_lsn(project_name, key)} → {@code TABLE(prediction real,
 * applied_lsn text, lag_ms bigint)} answers the same prediction with the freshness it was made at:
 * the source position the stores had applied before the row was read (the row reflects at least
 * every transaction committed up to it) and the replication lag then.
 */
final class PredictByKeyFunction extends FunctionShape {
  private final ModelService models;
  private final ReplicationService replication;
  private final boolean byColumn;

  private PredictByKeyFunction(
      String name,
      PgType keyType,
      List<ColumnDescription> columns,
      ModelService models,
      ReplicationService replication) {
    super(
        name,
        List.of(required("project_name", PgType.TEXT), required("key", keyType)),
        columns,
        true);
    this.models = requireNonNull(models, "models is null");
    this.replication = replication;
    this.byColumn = keyType == PgType.JSONB;
  }

  /** {@code pgml.predict_by_key}, the key as text ({@code byColumn} false) or jsonb. */
  static PredictByKeyFunction predictByKey(ModelService models, boolean byColumn) {
    return new PredictByKeyFunction(
        "predict_by_key",
        byColumn ? PgType.JSONB : PgType.TEXT,
        List.of(new ColumnDescription("predict_by_key", PgType.FLOAT4)),
        models,
        null);
  }

  /** {@code pgml.predict_by_key_with_lsn}, the key as text ({@code byColumn} false) or jsonb. */
  static PredictByKeyFunction withLsn(
      ModelService models, ReplicationService replication, boolean byColumn) {
    return new PredictByKeyFunction(
        "predict_by_key_with_lsn",
        byColumn ? PgType.JSONB : PgType.TEXT,
        List.of(
            new ColumnDescription("prediction", PgType.FLOAT4),
            new ColumnDescription("applied_lsn", PgType.TEXT),
            new ColumnDescription("lag_ms", PgType.INT8)),
        models,
        requireNonNull(replication, "replication is null"));
  }

  @Override
  public boolean blocking(String projectName) {
    return !models.answersWithoutWaiting(projectName, true);
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    String project = arguments.requiredText("project_name");
    RowKey key =
        byColumn
            ? new RowKey.ByColumn(keyColumns(arguments.jsonObject("key")))
            : new RowKey.Single(arguments.requiredText("key"));
    // Read before the row: the row is at least as fresh as the position reported.
    ReplicationService.SourceStatus status =
        replication == null || replication.status().isEmpty()
            ? null
            : replication.status().getFirst();
    Double prediction = models.predictByKey(project, key);
    Float value = prediction == null ? null : prediction.floatValue();
    if (replication == null) {
      return List.<Object[]>of(new Object[] {value});
    }
    return List.<Object[]>of(
        new Object[] {
          value,
          status == null ? null : status.appliedLsn(),
          status == null ? null : status.lagMillis()
        });
  }

  private static Map<String, String> keyColumns(Map<String, Object> json) throws PgWireException {
    if (json == null || json.isEmpty()) {
      throw new PgWireException(
          SqlState.INVALID_PARAMETER_VALUE,
          "pgml.predict_by_key: the key object names no column",
          "pass every primary-key column, e.g. '{\"order_id\": 7, \"line\": 2}'::jsonb");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : json.entrySet()) {
      Object value = entry.getValue();
      if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
        throw new PgWireException(
            SqlState.INVALID_PARAMETER_VALUE,
            "pgml.predict_by_key: key column %s must be a number, string or boolean, got %s"
                .formatted(entry.getKey(), value));
      }
      // 7 and 7.0 name the same integer key; other numbers keep their shortest decimal form.
      values.put(
          entry.getKey(),
          value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15
              ? Long.toString(d.longValue())
              : String.valueOf(value));
    }
    return values;
  }
}
