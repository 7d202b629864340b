package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.Task;
import java.util.Set;

/** A learning algorithm for one task, under its PostgresML name. */
public sealed interface Algorithm
    permits RegressionAlgorithm,
        ClassificationAlgorithm,
        ClusteringAlgorithm,
        DecompositionAlgorithm {
  /** PostgresML's name, e.g. {@code random_forest}; stored in {@code pgml.models.algorithm}. */
  String name();

  Task task();

  /** The hyperparameter names it accepts (PostgresML's, i.e. scikit-learn's or XGBoost's). */
  Set<String> hyperparameterNames();

  /**
   * Whether the trainer standardizes features before fitting and predicting. Iterative linear
   * solvers need it; trees and closed-form least squares do not.
   */
  default boolean standardizesFeatures() {
    return false;
  }
}
