package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;

/** An algorithm that groups rows into clusters, with no target. */
public non-sealed interface ClusteringAlgorithm extends Algorithm {
  /**
   * @param seed drives every random choice of the algorithm, so that the same data and seed give
   *     the same model
   */
  ClusteringEstimator fit(double[][] x, HyperParameters hyperparameters, long seed);

  /** Wraps an artifact that {@link Estimator#artifact()} of this algorithm produced. */
  ClusteringEstimator restore(Object artifact);

  @Override
  default Task task() {
    return Task.CLUSTERING;
  }
}
