package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/**
 * {@code pgml.predict(project_name, features)} → real: the deployed model's prediction (a
 * regression value, or the predicted class label).
 */
final class PredictFunction implements PgmlFunction {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));

  private final ModelService models;

  PredictFunction(ModelService models) {
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public String name() {
    return "predict";
  }

  @Override
  public List<FunctionParameter> parameters() {
    return PARAMETERS;
  }

  @Override
  public List<ColumnDescription> columns() {
    return List.of(new ColumnDescription("predict", PgType.FLOAT4));
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    double prediction =
        models.predict(arguments.requiredText("project_name"), arguments.features("features"));
    return List.<Object[]>of(new Object[] {(float) prediction});
  }
}
