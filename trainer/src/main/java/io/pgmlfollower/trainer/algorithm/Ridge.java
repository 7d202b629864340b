package io.pgmlfollower.trainer.algorithm;

import java.util.Set;

/**
 * Regression {@code ridge}: least squares with an L2 penalty {@code alpha} (default 1.0) on the
 * coefficients, not the intercept, as scikit-learn's Ridge.
 */
final class Ridge implements RegressionAlgorithm {
  @Override
  public String name() {
    return "ridge";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of("alpha", "fit_intercept");
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    double alpha = hyperparameters.doubleValue("alpha", 1.0, 0, true, Double.MAX_VALUE);
    boolean fitIntercept = hyperparameters.booleanValue("fit_intercept", true);
    return new LinearEstimator(LeastSquares.fit(x, y, alpha, fitIntercept));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return LinearEstimator.restore(artifact);
  }
}
