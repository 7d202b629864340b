package io.pgmlfollower.trainer.algorithm;

import java.util.Set;
import smile.regression.LinearModel;

/**
 * Regression {@code lasso} and {@code elastic_net} as scikit-learn's Lasso and ElasticNet: they
 * minimize {@code (1/2n)‖y − Xw‖² + α·l1_ratio·‖w‖₁ + (α/2)(1 − l1_ratio)‖w‖²} by coordinate
 * descent ({@link ElasticNetDescent}). {@code alpha} defaults to 1.0 and {@code l1_ratio} to 0.5,
 * as there; {@code l1_ratio} 1 is the lasso, and 0 (pure ridge) is refused: use {@code ridge}.
 * Models trained before this solver (Smile's LASSO and ElasticNet, whose artifacts are Smile {@link
 * LinearModel}s) still load and predict.
 */
final class PenalizedLinearRegression implements RegressionAlgorithm {
  private final boolean elasticNet;

  private PenalizedLinearRegression(boolean elasticNet) {
    this.elasticNet = elasticNet;
  }

  static PenalizedLinearRegression lasso() {
    return new PenalizedLinearRegression(false);
  }

  static PenalizedLinearRegression elasticNet() {
    return new PenalizedLinearRegression(true);
  }

  @Override
  public String name() {
    return elasticNet ? "elastic_net" : "lasso";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return elasticNet
        ? Set.of("alpha", "l1_ratio", "max_iter", "tol")
        : Set.of("alpha", "max_iter", "tol");
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    double alpha = hyperparameters.doubleValue("alpha", 1.0, 0, false, Double.MAX_VALUE);
    int maxIter = hyperparameters.intValue("max_iter", 1000, 1, 1_000_000);
    double tol = hyperparameters.doubleValue("tol", 1e-4, 0, false, 1);
    double l1Ratio = elasticNet ? hyperparameters.doubleValue("l1_ratio", 0.5, 0, false, 1) : 1.0;
    return new LinearEstimator(ElasticNetDescent.fit(x, y, alpha, l1Ratio, maxIter, tol));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    if (artifact instanceof double[]) {
      return LinearEstimator.restore(artifact);
    }
    return SmileRegressionEstimator.restore(artifact, LinearModel.class);
  }
}
