package io.pgmlfollower.trainer.algorithm;

import java.util.Set;
import smile.classification.LogisticRegression;

/**
 * Classification {@code linear}: logistic regression, as PostgresML (scikit-learn's
 * LogisticRegression). {@code C} is the inverse L2 penalty (default 1.0, Smile's {@code lambda =
 * 1/(2C)}); {@code max_iter} and {@code tol} bound Smile's L-BFGS. Features are standardized first
 * so that the optimizer converges whatever their scales.
 */
final class LogisticRegressionClassification implements ClassificationAlgorithm {
  private static final String C = "c";
  private static final String MAX_ITER = "max_iter";
  private static final String TOL = "tol";

  @Override
  public String name() {
    return "linear";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(C, MAX_ITER, TOL);
  }

  @Override
  public boolean standardizesFeatures() {
    return true;
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    double c = hyperparameters.doubleValue(C, 1.0, 0, false, Double.MAX_VALUE);
    int maxIter = hyperparameters.intValue(MAX_ITER, 500, 1, 1_000_000);
    double tol = hyperparameters.doubleValue(TOL, 1e-5, 0, false, 1);
    // scikit-learn minimizes C·Σ log-loss + ½‖w‖², i.e. Σ log-loss + ‖w‖²/(2C); Smile's penalty is
    // λ‖w‖², so λ = 1/(2C). (With λ = 1/C, iris scored 0.84 where scikit-learn scores 0.92;
    // with 1/(2C) the two agree: bench/training.)
    LogisticRegression model =
        LogisticRegression.fit(x, y, new LogisticRegression.Options(0.5 / c, tol, maxIter));
    return SmileClassificationEstimator.ofLogistic(model, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    return SmileClassificationEstimator.ofLogistic(
        (LogisticRegression)
            SmileClassificationEstimator.checkType(artifact, LogisticRegression.class),
        numClasses);
  }
}
