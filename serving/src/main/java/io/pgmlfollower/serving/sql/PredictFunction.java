package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import java.util.List;

/**
 * {@code pgml.predict(project_name, features)} → real (a regression value, the predicted class
 * label, or a clustering's cluster), {@code pgml.predict_proba(project_name, features)} → real[]
 * (one probability per class) and {@code pgml.decompose(project_name, features)} → real[] (a
 * decomposition's components), all answered by the project's deployed model; features as an array,
 * or as a row ({@code jsonb}) matched to the model's features by column name.
 */
final class PredictFunction extends FunctionShape {
  private static final List<FunctionParameter> ARRAY_PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));
  private static final List<FunctionParameter> ROW_PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("row", PgType.JSONB));

  /** How a variant asks the model and shapes the answer. */
  @FunctionalInterface
  private interface Prediction {
    Object predict(ModelService.Deployed model, double[] features) throws PgWireException;
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

  private static Object scalar(ModelService.Deployed model, double[] features)
      throws PgWireException {
    return (float) model.predict(features);
  }

  private static Object probabilities(ModelService.Deployed model, double[] features)
      throws PgWireException {
    return toFloats(model.predictProba(features));
  }

  /** {@code pgml.decompose(project_name, features)} → real[]: a decomposition's components. */
  static PredictFunction decompose(ModelService models) {
    return new PredictFunction(
        models, ARRAY_PARAMETERS, "decompose", PgType.FLOAT4_ARRAY, PredictFunction::components);
  }

  /** {@code pgml.decompose(project_name, row jsonb)}: features by column name. */
  static PredictFunction decomposeRow(ModelService models) {
    return new PredictFunction(
        models, ROW_PARAMETERS, "decompose", PgType.FLOAT4_ARRAY, PredictFunction::components);
  }

  private static Object components(ModelService.Deployed model, double[] features)
      throws PgWireException {
    return toFloats(model.decompose(features));
  }

  private static float[] toFloats(double[] values) {
    float[] result = new float[values.length];
    for (int i = 0; i < result.length; i++) {
      result[i] = (float) values[i];
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
  public boolean blocking(String projectName) {
    return !models.answersWithoutWaiting(projectName, false);
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    String project = arguments.requiredText("project_name");
    // One deployment answers the whole call: names, categories and the prediction.
    ModelService.Deployed model = models.deployed(project);
    double[] features;
    if (byRow) {
      features =
          RowFeatures.features(
              arguments.requiredText("row"), model.featureNames(), model.categories(), project);
    } else {
      ModelService.checkNumeric(model.categories(), project, name());
      features = arguments.features("features");
    }
    Object result = prediction.predict(model, features);
    return List.<Object[]>of(new Object[] {result});
  }
}
