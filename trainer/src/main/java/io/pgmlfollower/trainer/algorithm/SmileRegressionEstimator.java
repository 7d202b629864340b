package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import smile.data.Tuple;
import smile.data.type.StructType;
import smile.regression.DataFrameRegression;

/** A Smile regression model trained on a {@link SmileFrames} frame. */
final class SmileRegressionEstimator implements RegressionEstimator {
  private final DataFrameRegression model;
  private final StructType schema;

  SmileRegressionEstimator(DataFrameRegression model) {
    this.model = requireNonNull(model, "model is null");
    this.schema = model.schema();
  }

  static SmileRegressionEstimator restore(Object artifact, Class<?> expected) {
    if (!expected.isInstance(artifact)) {
      throw new IllegalArgumentException(
          "expected a %s artifact, got %s"
              .formatted(expected.getName(), artifact.getClass().getName()));
    }
    return new SmileRegressionEstimator((DataFrameRegression) artifact);
  }

  @Override
  public double predict(double[] features) {
    return model.predict(Tuple.of(schema, features));
  }

  @Override
  public Serializable artifact() {
    return model;
  }
}
