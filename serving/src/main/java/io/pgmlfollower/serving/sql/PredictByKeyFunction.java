package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/**
 * {@code pgml.predict_by_key(project_name, key)} → real: the prediction for the row of the
 * project's relation with that primary key, as of the last applied source position; NULL when no
 * row has the key.
 */
final class PredictByKeyFunction extends FunctionShape {
  private final ModelService models;

  PredictByKeyFunction(ModelService models) {
    super(
        "predict_by_key",
        List.of(required("project_name", PgType.TEXT), required("key", PgType.TEXT)),
        List.of(new ColumnDescription("predict_by_key", PgType.FLOAT4)),
        true);
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    Double prediction =
        models.predictByKey(arguments.requiredText("project_name"), arguments.requiredText("key"));
    return List.<Object[]>of(new Object[] {prediction == null ? null : prediction.floatValue()});
  }
}
