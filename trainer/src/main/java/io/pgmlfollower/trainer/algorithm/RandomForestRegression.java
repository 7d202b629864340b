package io.pgmlfollower.trainer.algorithm;

import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_DEPTH;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_FEATURES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_LEAF_NODES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MAX_TREES;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.MIN_SAMPLES_LEAF;
import static io.pgmlfollower.trainer.algorithm.TreeParameters.N_ESTIMATORS;

import java.util.Set;
import smile.regression.RandomForest;

/**
 * Regression {@code random_forest} on Smile's RandomForest. {@code n_estimators} defaults to 100 as
 * in scikit-learn; the other defaults are Smile's (max_depth 20, min_samples_leaf 5, bootstrap
 * samples of all rows).
 */
final class RandomForestRegression implements RegressionAlgorithm {
  private static final String MAX_SAMPLES = "max_samples";

  @Override
  public String name() {
    return "random_forest";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(
        N_ESTIMATORS, MAX_DEPTH, MAX_LEAF_NODES, MIN_SAMPLES_LEAF, MAX_FEATURES, MAX_SAMPLES);
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
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
    RandomForest.Options options =
        new RandomForest.Options(
            parameters.ntrees(),
            parameters.mtry(),
            parameters.maxDepth(),
            parameters.maxNodes(),
            parameters.nodeSize(),
            parameters.subsample(),
            SmileFrames.treeSeeds(seed, parameters.ntrees()),
            null);
    return new SmileRegressionEstimator(
        RandomForest.fit(SmileFrames.FORMULA, SmileFrames.regression(x, y), options));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return SmileRegressionEstimator.restore(artifact, RandomForest.class);
  }
}
