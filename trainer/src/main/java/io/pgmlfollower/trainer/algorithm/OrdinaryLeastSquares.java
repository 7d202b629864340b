package io.pgmlfollower.trainer.algorithm;

import java.util.Set;

/** Regression {@code linear}: ordinary least squares, as scikit-learn's LinearRegression. */
final class OrdinaryLeastSquares implements RegressionAlgorithm {
  @Override
  public String name() {
    return "linear";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of("fit_intercept");
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    boolean fitIntercept = hyperparameters.booleanValue("fit_intercept", true);
    return new LinearEstimator(LeastSquares.fit(x, y, 0, fitIntercept));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return LinearEstimator.restore(artifact);
  }
}
