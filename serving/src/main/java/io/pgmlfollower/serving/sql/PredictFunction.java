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
 * class), both answered by the project's deployed model; features as an array, or as a row ({@code
 * jsonb}) matched to the model's features by column name.
 */
final class PredictFunction extends FunctionShape {
  private static final List<FunctionParameter> ARRAY_PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));
  private static final List<FunctionParameter> ROW_PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("row", PgType.JSONB));

  /** How a variant asks the model and shapes the answer. */
  @FunctionalInterface
  private interface Prediction {
    Object predict(ModelService models, String project, double[] features) throws PgWireException;
  }

  private final ModelService models;
  private final boolean byRow;
  private final Prediction prediction;

  private PredictFunction(
      ModelService models,
      List<FunctionParameter> parameters,
      String name,
      PgType resultType,
      Prediction prediction) {
    // On a worker thread: the first prediction of a project loads its model from the registry
    // over JDBC, and an unknown project is looked up there each time; neither may block the
    // event loop.
    super(name, parameters, List.of(new ColumnDescription(name, resultType)), true);
    this.models = requireNonNull(models, "models is null");
    this.byRow = parameters == ROW_PARAMETERS;
    this.prediction = prediction;
  }

  static PredictFunction predict(ModelService models) {
    return new PredictFunction(
        models, ARRAY_PARAMETERS, "predict", PgType.FLOAT4, PredictFunction::scalar);
  }

  /** {@code pgml.predict(project_name, row jsonb)}: features by column name. */
  static PredictFunction predictRow(ModelService models) {
    return new PredictFunction(
        models, ROW_PARAMETERS, "predict", PgType.FLOAT4, PredictFunction::scalar);
  }

  /** {@code pgml.predict_proba(project_name, row jsonb)}: features by column name. */
  static PredictFunction predictProbaRow(ModelService models) {
    return new PredictFunction(
        models,
        ROW_PARAMETERS,
        "predict_proba",
        PgType.FLOAT4_ARRAY,
        PredictFunction::probabilities);
  }

  private static Object scalar(ModelService models, String project, double[] features)
      throws PgWireException {
    return (float) models.predict(project, features);
  }

  private static Object probabilities(ModelService models, String project, double[] features)
      throws PgWireException {
    double[] probabilities = models.predictProba(project, features);
    float[] result = new float[probabilities.length];
    for (int i = 0; i < result.length; i++) {
      result[i] = (float) probabilities[i];
    }
    return result;
  }

  static PredictFunction predictProba(ModelService models) {
    return new PredictFunction(
        models,
        ARRAY_PARAMETERS,
        "predict_proba",
        PgType.FLOAT4_ARRAY,
        PredictFunction::probabilities);
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    String project = arguments.requiredText("project_name");
    double[] features =
        byRow
            ? RowFeatures.features(
                arguments.requiredText("row"), models.featureNames(project), project)
            : arguments.features("features");
    Object result = prediction.predict(models, project, features);
    return List.<Object[]>of(new Object[] {result});
  }
}
