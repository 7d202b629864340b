package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/**
 * {@code pgml.drop_snapshot(snapshot_id)}, an extension: drops a training snapshot's copy to free
 * its disk. The {@code pgml.snapshots} row stays (status {@code dropped}) so that models trained on
 * it keep their lineage; same result columns as {@code pgml.snapshot}.
 */
final class DropSnapshotFunction extends FunctionShape {
  private final ModelService models;

  DropSnapshotFunction(ModelService models) {
    super(
        "drop_snapshot",
        List.of(required("snapshot_id", PgType.INT8)),
        SnapshotFunction.COLUMNS,
        true);
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    return List.<Object[]>of(models.dropSnapshot(arguments.requiredInteger("snapshot_id")).row());
  }
}
