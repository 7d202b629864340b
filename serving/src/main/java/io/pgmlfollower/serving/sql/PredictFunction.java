package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/**
 * {@code pgml.predict(project_name, features)} → real (a regression value, or the predicted class
 * label) and {@code pgml.predict_proba(project_name, features)} → real[] (one probability per
 * class), both answered by the project's deployed model.
 */
final class PredictFunction implements PgmlFunction {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));

  /** How a variant asks the model and shapes the answer. */
  @FunctionalInterface
  private interface Prediction {
    Object predict(ModelService models, String project, double[] features) throws PgWireException;
  }

  private final ModelService models;
  private final String name;
  private final PgType resultType;
  private final Prediction prediction;

  private PredictFunction(
      ModelService models, String name, PgType resultType, Prediction prediction) {
    this.models = requireNonNull(models, "models is null");
    this.name = name;
    this.resultType = resultType;
    this.prediction = prediction;
  }

  static PredictFunction predict(ModelService models) {
    return new PredictFunction(
        models, "predict", PgType.FLOAT4, (m, p, f) -> (float) m.predict(p, f));
  }

  static PredictFunction predictProba(ModelService models) {
    return new PredictFunction(
        models,
        "predict_proba",
        PgType.FLOAT4_ARRAY,
        (m, p, f) -> {
          double[] probabilities = m.predictProba(p, f);
          float[] result = new float[probabilities.length];
          for (int i = 0; i < result.length; i++) {
            result[i] = (float) probabilities[i];
          }
          return result;
        });
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<FunctionParameter> parameters() {
    return PARAMETERS;
  }

  @Override
  public List<ColumnDescription> columns() {
    return List.of(new ColumnDescription(name, resultType));
  }

  @Override
  public boolean blocking() {
    return false;
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    Object result =
        prediction.predict(
            models, arguments.requiredText("project_name"), arguments.features("features"));
    return List.<Object[]>of(new Object[] {result});
  }
}
