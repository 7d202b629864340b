package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;

/**
 * Tree-ensemble hyperparameters under their scikit-learn names, read once for Smile's options.
 *
 * @param ntrees {@code n_estimators}
 * @param maxDepth {@code max_depth}
 * @param maxNodes {@code max_leaf_nodes}; 0 lets Smile choose
 * @param nodeSize {@code min_samples_leaf}
 * @param subsample {@code max_samples} (forests) or {@code subsample} (boosting)
 * @param mtry {@code max_features}; 0 lets Smile choose (sqrt(p) to classify, p/3 to regress)
 */
record TreeParameters(
    int ntrees, int maxDepth, int maxNodes, int nodeSize, double subsample, int mtry) {
  static final String N_ESTIMATORS = "n_estimators";
  static final String MAX_DEPTH = "max_depth";
  static final String MAX_LEAF_NODES = "max_leaf_nodes";
  static final String MIN_SAMPLES_LEAF = "min_samples_leaf";
  static final String MAX_FEATURES = "max_features";

  /** Smile's bound on tree depth; deeper trees would not fit its node indexing anyway. */
  static final int MAX_TREE_DEPTH = 64;

  static final int MAX_TREES = 100_000;

  /**
   * Smile's depth of a tree of scikit-learn's {@code max_depth}: Smile counts the root as depth 1
   * (a tree of its {@code maxDepth} 2 has one split), scikit-learn as depth 0 ({@code max_depth} 1
   * is a stump), so scikit-learn's d is Smile's d + 1.
   */
  static int smileDepth(int depth) {
    return depth >= MAX_TREE_DEPTH ? MAX_TREE_DEPTH : depth + 1;
  }

  /** scikit-learn's {@code max_depth} as Smile's, or Smile's own default when not given. */
  static int smileDepth(HyperParameters hyperparameters, int smileDefault) {
    return hyperparameters.raw(MAX_DEPTH) == null
        ? smileDefault
        : smileDepth(hyperparameters.intValue(MAX_DEPTH, 1, 1, MAX_TREE_DEPTH));
  }

  /** Checks that {@code max_features} does not exceed the number of features. */
  void checkFeatureCount(String algorithm, int numFeatures) {
    if (mtry > numFeatures) {
      throw new TrainerException(
          TrainerErrorCode.INVALID_HYPERPARAMETER,
          "hyperparameter max_features of %s must be at most the number of features, %d, got %d"
              .formatted(algorithm, numFeatures, mtry));
    }
  }
}
