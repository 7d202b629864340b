package io.pgmlfollower.serving.sql;

import static io.pgmlfollower.serving.sql.FunctionParameter.required;
import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.ColumnDescription;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code pgml.predict_batch(project_name, features)} → SETOF real: the features of many rows in one
 * flat array (row after row), one prediction per row, in order.
 */
final class PredictBatchFunction extends FunctionShape {
  private static final List<FunctionParameter> PARAMETERS =
      List.of(required("project_name", PgType.TEXT), required("features", PgType.FLOAT8_ARRAY));

  private final ModelService models;

  PredictBatchFunction(ModelService models) {
    // On a worker thread, like pgml.predict (a cold model loads over JDBC).
    super(
        "predict_batch",
        PARAMETERS,
        List.of(new ColumnDescription("predict_batch", PgType.FLOAT4)),
        true);
    this.models = requireNonNull(models, "models is null");
  }

  @Override
  public List<Object[]> invoke(BoundArguments arguments, Cancellation cancel)
      throws PgWireException {
    String project = arguments.requiredText("project_name");
    // One deployment answers every row of the batch, even while a redeploy lands.
    ModelService.Deployed model = models.deployed(project);
    ModelService.checkNumeric(model.categories(), project, "predict");
    double[] flat = arguments.features("features");
    int width = model.featureNames().size();
    if (width == 0 || flat.length % width != 0) {
      throw new PgWireException(
          SqlState.INVALID_PARAMETER_VALUE,
          "project '%s' takes %d features per row; %d values are not a whole number of rows"
              .formatted(project, width, flat.length),
          "concatenate each row's features, in table order, into one array");
    }
    List<Object[]> rows = new ArrayList<>(flat.length / width);
    for (int offset = 0; offset < flat.length; offset += width) {
      rows.add(
          new Object[] {(float) model.predict(Arrays.copyOfRange(flat, offset, offset + width))});
    }
    return rows;
  }
}
