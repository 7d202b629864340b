package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREE_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;

import java.util.Locale;
import java.util.Set;
import smile.classification.DecisionTree;
import smile.model.cart.SplitRule;

/**
 * Classification {@code decision_tree}: one CART tree (Smile's DecisionTree) with scikit-learn's
 * defaults: {@code criterion} gini (or entropy), grown until leaves are pure or of one row.
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
    SplitRule rule =
        SplitRule.valueOf(
            hyperparameters
                .choice(CRITERION, "gini", Set.of("gini", "entropy"))
                .toUpperCase(Locale.ROOT));
    DecisionTree.Options options =
        new DecisionTree.Options(
            rule,
            hyperparameters.intValue(MAX_DEPTH, MAX_TREE_DEPTH, 2, MAX_TREE_DEPTH),
            hyperparameters.intValue(MAX_LEAF_NODES, Math.max(2, x.length), 2, Integer.MAX_VALUE),
            hyperparameters.intValue(MIN_SAMPLES_LEAF, 1, 1, Integer.MAX_VALUE));
    return SmileClassificationEstimator.ofFrameModel(
        DecisionTree.fit(SmileFrames.FORMULA, SmileFrames.classification(x, y), options),
        numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    return SmileClassificationEstimator.ofFrameModel(
        (DecisionTree) SmileClassificationEstimator.checkType(artifact, DecisionTree.class),
        numClasses);
  }
}
