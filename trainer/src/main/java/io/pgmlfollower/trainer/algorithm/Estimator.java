package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;

/** A fitted model, ready to predict; immutable and safe to share between threads. */
public sealed interface Estimator
    permits RegressionEstimator,
        ClassificationEstimator,
        ClusteringEstimator,
        DecompositionEstimator {
  /**
   * What is stored in {@code pgml.files}: the Smile model object (Java serialization, as {@code
   * smile.io.Write} does), or a primitive array for models the trainer fits itself.
   */
  Serializable artifact();
}
