package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;

/** An algorithm that projects rows onto fewer dimensions, with no target. */
public non-sealed interface DecompositionAlgorithm extends Algorithm {
  DecompositionEstimator fit(double[][] x, HyperParameters hyperparameters, long seed);

  /** Wraps an artifact that {@link Estimator#artifact()} of this algorithm produced. */
  DecompositionEstimator restore(Object artifact);

  @Override
  default Task task() {
    return Task.DECOMPOSITION;
  }
}
