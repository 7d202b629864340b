package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;

/** An algorithm that predicts a class index. */
public non-sealed interface ClassificationAlgorithm extends Algorithm {
  /**
   * @param y class indices 0..numClasses-1; a class may be absent from the training rows
   * @param seed drives every random choice of the algorithm, so that the same data and seed give
   *     the same model
   */
  ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed);

  /** Wraps an artifact that {@link Estimator#artifact()} of this algorithm produced. */
  ClassificationEstimator restore(Object artifact, int numClasses);

  @Override
  default Task task() {
    return Task.CLASSIFICATION;
  }
}
