package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/** {@code pgml.predict_proba(project_name, features)} → real[]: one probability per class. */
final class PredictProbaFunction implements PgmlFunction {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));

  private final ModelService models;

  PredictProbaFunction(ModelService models) {
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public String name() {
    return "predict_proba";
  }

  @Override
  public List<FunctionParameter> parameters() {
    return PARAMETERS;
  }

  @Override
  public List<ColumnDescription> columns() {
    return List.of(new ColumnDescription("predict_proba", PgType.FLOAT4_ARRAY));
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    double[] probabilities =
        models.predictProba(arguments.requiredText("project_name"), arguments.features("features"));
    float[] result = new float[probabilities.length];
    for (int i = 0; i < result.length; i++) {
      result[i] = (float) probabilities[i];
    }
    return List.<Object[]>of(new Object[] {result});
  }
}
