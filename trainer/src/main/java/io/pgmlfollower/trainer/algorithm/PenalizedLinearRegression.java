package io.pgmlfollower.trainer.algorithm;

import java.util.Set;
import smile.regression.ElasticNet;
import smile.regression.LASSO;
import smile.regression.LinearModel;

/**
 * Regression {@code lasso} and {@code elastic_net} on Smile, under scikit-learn's parameters:
 * scikit-learn minimizes {@code (1/2n)‖y − Xw‖² + α·l1_ratio·‖w‖₁ + (α/2)(1 − l1_ratio)‖w‖²}; Smile
 * minimizes {@code ‖y − Xw‖² + λ₁‖w‖₁ + λ₂‖w‖²}, so {@code λ₁ = 2n·α·l1_ratio} and {@code λ₂ =
 * n·α·(1 − l1_ratio)}. {@code alpha} defaults to 1.0 and {@code l1_ratio} to 0.5, as there. One
 * difference remains: Smile penalizes the coefficients of standardized features, scikit-learn those
 * of the features as given, so the two agree for features of unit variance ({@code AlgorithmsTest})
 * and differ otherwise. {@code l1_ratio} 1 is the lasso; Smile's elastic net needs both penalties,
 * so 0 (pure ridge) is refused: use {@code ridge}.
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
    int n = x.length;
    LinearModel model;
    double l1Ratio = elasticNet ? hyperparameters.doubleValue("l1_ratio", 0.5, 0, false, 1) : 1.0;
    if (l1Ratio < 1) {
      double lambda1 = 2 * n * alpha * l1Ratio;
      double lambda2 = n * alpha * (1 - l1Ratio);
      model =
          ElasticNet.fit(
              SmileFrames.FORMULA,
              SmileFrames.regression(x, y),
              new ElasticNet.Options(lambda1, lambda2, tol, maxIter));
    } else {
      model =
          LASSO.fit(
              SmileFrames.FORMULA,
              SmileFrames.regression(x, y),
              new LASSO.Options(2 * n * alpha, tol, maxIter));
    }
    return new SmileRegressionEstimator(model);
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return SmileRegressionEstimator.restore(artifact, LinearModel.class);
  }
}
