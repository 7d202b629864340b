package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREE_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;

import java.util.Set;
import smile.regression.RegressionTree;

/**
 * Regression {@code decision_tree}: one CART tree (Smile's RegressionTree) with scikit-learn's
 * defaults: grown until leaves are pure or of one row ({@code min_samples_leaf} 1), bounded only by
 * {@code max_depth} (64 here) and {@code max_leaf_nodes} when given.
 */
final class DecisionTreeRegression implements RegressionAlgorithm {
  @Override
  public String name() {
    return "decision_tree";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(MAX_DEPTH, MAX_LEAF_NODES, MIN_SAMPLES_LEAF);
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    RegressionTree.Options options =
        new RegressionTree.Options(
            TreeParameters.smileDepth(
                hyperparameters.intValue(MAX_DEPTH, MAX_TREE_DEPTH, 1, MAX_TREE_DEPTH)),
            hyperparameters.intValue(MAX_LEAF_NODES, Math.max(2, x.length), 2, Integer.MAX_VALUE),
            hyperparameters.intValue(MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE));
    return new SmileRegressionEstimator(
        RegressionTree.fit(SmileFrames.FORMULA, SmileFrames.regression(x, y), options));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return SmileRegressionEstimator.restore(artifact, RegressionTree.class);
  }
}
