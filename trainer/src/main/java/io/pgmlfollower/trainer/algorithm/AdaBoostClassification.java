package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import java.util.Set;
import smile.classification.AdaBoost;

/**
 * Classification {@code ada_boost}: Smile's AdaBoost (SAMME, multi-class) over small trees, {@code
 * n_estimators} 50 as in scikit-learn; {@code max_depth} bounds each tree (default 1: stumps,
 * scikit-learn's default base estimator).
 */
final class AdaBoostClassification implements ClassificationAlgorithm {
  @Override
  public String name() {
    return "ada_boost";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_ESTIMATORS, TreeParameters.MAX_DEPTH, TreeParameters.MIN_SAMPLES_LEAF);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    int ntrees = hyperparameters.intValue(N_ESTIMATORS, 50, 1, TreeParameters.MAX_TREES);
    int maxDepth =
        hyperparameters.intValue(TreeParameters.MAX_DEPTH, 1, 1, TreeParameters.MAX_TREE_DEPTH);
    int nodeSize =
        hyperparameters.intValue(TreeParameters.MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE);
    // Smile's trees are at least two levels deep: a stump is such a tree of two leaves.
    int leaves = 1 << Math.min(maxDepth, 30);
    AdaBoost.Options options =
        new AdaBoost.Options(
            ntrees, Math.max(2, maxDepth), Math.max(2, leaves), nodeSize, null, null);
    smile.math.MathEx.setSeed(seed);
    return SmileClassificationEstimator.ofFrameModel(
        AdaBoost.fit(SmileFrames.FORMULA, SmileFrames.classification(x, y), options), numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    return SmileClassificationEstimator.ofFrameModel(
        (AdaBoost) SmileClassificationEstimator.checkType(artifact, AdaBoost.class), numClasses);
  }
}
