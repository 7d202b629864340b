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

  /**
   * Whether one prediction costs about as little as a lookup (a linear model, trees, a network):
   * the endpoint then answers it on its event loop. False for models that scan their training rows
   * or support vectors per prediction (k-NN, DBSCAN, SVM), whose cost grows with the data.
   */
  default boolean predictsQuickly() {
    return true;
  }
}
