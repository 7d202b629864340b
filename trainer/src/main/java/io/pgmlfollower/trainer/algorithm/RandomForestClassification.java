package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_FEATURES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import java.util.Locale;
import java.util.Set;
import smile.classification.RandomForest;
import smile.model.cart.SplitRule;

/**
 * Classification {@code random_forest} on Smile's RandomForest. {@code n_estimators} defaults to
 * 100 as in scikit-learn; {@code criterion} is {@code gini} (default), {@code entropy} or {@code
 * classification_error}; the other defaults are Smile's.
 */
final class RandomForestClassification implements ClassificationAlgorithm {
  private static final String MAX_SAMPLES = "max_samples";
  private static final String CRITERION = "criterion";

  @Override
  public String name() {
    return "random_forest";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(
        N_ESTIMATORS,
        MAX_DEPTH,
        MAX_LEAF_NODES,
        MIN_SAMPLES_LEAF,
        MAX_FEATURES,
        MAX_SAMPLES,
        CRITERION);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    RandomForest.Options defaults = new RandomForest.Options(100);
    int ntrees = hyperparameters.intValue(N_ESTIMATORS, 100, 1, MAX_TREES);
    TreeParameters parameters =
        new TreeParameters(
            ntrees,
            TreeParameters.smileDepth(hyperparameters, defaults.maxDepth()),
            hyperparameters.intValue(MAX_LEAF_NODES, defaults.maxNodes(), 2, Integer.MAX_VALUE),
            hyperparameters.intValue(MIN_SAMPLES_LEAF, defaults.nodeSize(), 1, Integer.MAX_VALUE),
            hyperparameters.doubleValue(MAX_SAMPLES, defaults.subsample(), 0, false, 1),
            hyperparameters.intValue(MAX_FEATURES, defaults.mtry(), 1, Integer.MAX_VALUE));
    parameters.checkFeatureCount(name(), x[0].length);
    SplitRule rule =
        SplitRule.valueOf(
            hyperparameters
                .choice(CRITERION, "gini", Set.of("gini", "entropy", "classification_error"))
                .toUpperCase(Locale.ROOT));
    RandomForest.Options options =
        new RandomForest.Options(
            parameters.ntrees(),
            parameters.mtry(),
            rule,
            parameters.maxDepth(),
            parameters.maxNodes(),
            parameters.nodeSize(),
            parameters.subsample(),
            null,
            SmileFrames.treeSeeds(seed, parameters.ntrees()),
            null);
    RandomForest model =
        RandomForest.fit(SmileFrames.FORMULA, SmileFrames.classification(x, y), options);
    return SmileClassificationEstimator.ofFrameModel(model, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    return SmileClassificationEstimator.ofFrameModel(
        (RandomForest) SmileClassificationEstimator.checkType(artifact, RandomForest.class),
        numClasses);
  }
}
