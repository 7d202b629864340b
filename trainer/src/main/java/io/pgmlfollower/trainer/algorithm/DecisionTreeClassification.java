package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREE_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;

import java.util.Set;

/**
 * Classification {@code decision_tree}: one CART tree as scikit-learn's DecisionTreeClassifier
 * grows it: the split of largest impurity decrease ({@code criterion} gini or entropy) at the
 * midpoint between two consecutive values, {@code x <= threshold} going left; grown until leaves
 * are pure, {@code min_samples_leaf} (1) stops a split, or {@code max_depth} / {@code
 * max_leaf_nodes} (best-first, largest decrease first) bound it. Plain Java: Smile 6's DecisionTree
 * stops early on iris (training accuracy 0.89 where a full tree reaches 1.0; {@code
 * bench/training}). A leaf predicts its training rows' class shares.
 */
final class DecisionTreeClassification implements ClassificationAlgorithm {
  private static final String CRITERION = "criterion";

  @Override
  public String name() {
    return "decision_tree";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(CRITERION, MAX_DEPTH, MAX_LEAF_NODES, MIN_SAMPLES_LEAF);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    boolean entropy =
        hyperparameters.choice(CRITERION, "gini", Set.of("gini", "entropy")).equals("entropy");
    int maxDepth = hyperparameters.intValue(MAX_DEPTH, MAX_TREE_DEPTH, 1, MAX_TREE_DEPTH);
    int maxLeaves =
        hyperparameters.intValue(MAX_LEAF_NODES, Integer.MAX_VALUE, 2, Integer.MAX_VALUE);
    int minLeaf = hyperparameters.intValue(MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE);
    return new CartBuilder(x, y, null, numClasses, entropy, minLeaf).grow(maxDepth, maxLeaves);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 5
        || !(parts[0] instanceof int[] feature)
        || !(parts[1] instanceof double[] threshold)
        || !(parts[2] instanceof int[] left)
        || !(parts[3] instanceof int[] right)
        || !(parts[4] instanceof double[][] distribution)) {
      throw new IllegalArgumentException("expected a decision tree");
    }
    return new CartTree(feature, threshold, left, right, distribution);
  }
}
