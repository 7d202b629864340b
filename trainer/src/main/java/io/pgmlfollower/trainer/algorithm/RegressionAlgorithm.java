package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;

/** An algorithm that predicts a number. */
public non-sealed interface RegressionAlgorithm extends Algorithm {
  /**
   * @param seed drives every random choice of the algorithm, so that the same data and seed give
   *     the same model
   */
  RegressionEstimator fit(double[][] x, double[] y, HyperParameters hyperparameters, long seed);

  /** Wraps an artifact that {@link Estimator#artifact()} of this algorithm produced. */
  RegressionEstimator restore(Object artifact);

  @Override
  default Task task() {
    return Task.REGRESSION;
  }
}
