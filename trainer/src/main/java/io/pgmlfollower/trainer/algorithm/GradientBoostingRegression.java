package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import smile.math.MathEx;
import smile.model.cart.Loss;
import smile.regression.GradientTreeBoost;

/** Regression gradient-boosted trees (least squares loss) on Smile's GradientTreeBoost. */
final class GradientBoostingRegression implements RegressionAlgorithm {
  private final BoostingFlavor flavor;

  GradientBoostingRegression(BoostingFlavor flavor) {
    this.flavor = requireNonNull(flavor, "flavor is null");
  }

  @Override
  public String name() {
    return flavor.algorithmName();
  }

  @Override
  public Set<String> hyperparameterNames() {
    return BoostingFlavor.hyperparameterNames();
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    // scikit-learn's min_samples_leaf default (1), not Smile's node size (5): bench/training
    // shows the larger leaves cost accuracy on small data sets (iris 0.87 against 0.92).
    TreeParameters parameters = flavor.treeParameters(hyperparameters, 1);
    GradientTreeBoost.Options options =
        new GradientTreeBoost.Options(
            Loss.ls(),
            parameters.ntrees(),
            parameters.maxDepth(),
            parameters.maxNodes(),
            parameters.nodeSize(),
            flavor.learningRate(hyperparameters),
            parameters.subsample(),
            null,
            null);
    // Smile draws row subsamples from a per-thread generator on the calling thread.
    MathEx.setSeed(seed);
    return new SmileRegressionEstimator(
        GradientTreeBoost.fit(SmileFrames.FORMULA, SmileFrames.regression(x, y), options));
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return SmileRegressionEstimator.restore(artifact, GradientTreeBoost.class);
  }
}
