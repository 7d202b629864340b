package io.pgmlfollower.trainer.algorithm;

import java.util.Set;

/**
 * The names under which Smile's gradient-boosted trees are offered, with the defaults users of that
 * name expect ({@code xgboost} itself runs XGBoost4J: {@link XGBoostRegression}).
 */
enum BoostingFlavor {
  /** scikit-learn's GradientBoosting defaults: 100 trees of depth 3, learning rate 0.1. */
  GRADIENT_BOOSTING_TREES("gradient_boosting_trees", 100, 3, 0.1);

  static final String LEARNING_RATE = "learning_rate";
  static final String SUBSAMPLE = "subsample";

  /** Smile's GradientTreeBoost bounds a tree by leaves; a full tree of this depth never exceeds. */
  private static final int MAX_DEFAULT_LEAVES = 1 << 10;

  private final String algorithmName;
  private final int defaultTrees;
  private final int defaultDepth;
  private final double defaultLearningRate;

  BoostingFlavor(
      String algorithmName, int defaultTrees, int defaultDepth, double defaultLearningRate) {
    this.algorithmName = algorithmName;
    this.defaultTrees = defaultTrees;
    this.defaultDepth = defaultDepth;
    this.defaultLearningRate = defaultLearningRate;
  }

  String algorithmName() {
    return algorithmName;
  }

  /**
   * Reads the tree hyperparameters; {@code max_leaf_nodes} defaults to the leaves of a full tree of
   * {@code max_depth}, so that depth is what bounds the trees, as in scikit-learn and XGBoost.
   */
  TreeParameters treeParameters(HyperParameters hyperparameters, int defaultNodeSize) {
    int ntrees =
        hyperparameters.intValue(
            TreeParameters.N_ESTIMATORS, defaultTrees, 1, TreeParameters.MAX_TREES);
    int maxDepth =
        hyperparameters.intValue(
            TreeParameters.MAX_DEPTH, defaultDepth, 1, TreeParameters.MAX_TREE_DEPTH);
    int maxNodes =
        hyperparameters.intValue(
            TreeParameters.MAX_LEAF_NODES,
            Math.min(1 << Math.min(maxDepth, 30), MAX_DEFAULT_LEAVES),
            2,
            Integer.MAX_VALUE);
    int nodeSize =
        hyperparameters.intValue(
            TreeParameters.MIN_SAMPLES_LEAF, defaultNodeSize, 1, Integer.MAX_VALUE);
    double subsample = hyperparameters.doubleValue(SUBSAMPLE, 1.0, 0, false, 1);
    return new TreeParameters(
        ntrees, TreeParameters.smileDepth(maxDepth), maxNodes, nodeSize, subsample, 0);
  }

  double learningRate(HyperParameters hyperparameters) {
    return hyperparameters.doubleValue(LEARNING_RATE, defaultLearningRate, 0, false, 1);
  }

  static Set<String> hyperparameterNames() {
    return Set.of(
        TreeParameters.N_ESTIMATORS,
        TreeParameters.MAX_DEPTH,
        TreeParameters.MAX_LEAF_NODES,
        TreeParameters.MIN_SAMPLES_LEAF,
        LEARNING_RATE,
        SUBSAMPLE);
  }
}
