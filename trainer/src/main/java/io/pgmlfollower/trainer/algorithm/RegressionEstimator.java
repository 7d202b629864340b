package io.pgmlfollower.trainer.algorithm;

/** A fitted regression model. */
public non-sealed interface RegressionEstimator extends Estimator {
  /**
   * @param features one value per feature, in training order, already preprocessed
   */
  double predict(double[] features);
}
