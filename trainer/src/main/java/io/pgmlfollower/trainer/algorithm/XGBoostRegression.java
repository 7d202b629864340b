package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Set;

/**
 * PostgresML's {@code xgboost} for regression: XGBoost4J's gradient-boosted trees ({@code
 * tree_method=hist} by default, XGBoost's defaults: 100 rounds of depth 6, learning rate 0.3).
 */
final class XGBoostRegression implements RegressionAlgorithm {
  @Override
  public String name() {
    return "xgboost";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return XGBoostBooster.hyperparameterNames(true);
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    String objective =
        hyperparameters.choice(
            XGBoostBooster.OBJECTIVE, "reg:squarederror", XGBoostBooster.REGRESSION_OBJECTIVES);
    float[] labels = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      labels[i] = (float) y[i];
    }
    byte[] model =
        XGBoostBooster.train(
            x, labels, XGBoostBooster.parameters(hyperparameters, objective, 0, seed));
    return new Estimator(model);
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    if (artifact instanceof smile.regression.GradientTreeBoost) {
      // Trained before xgboost ran XGBoost (it ran Smile's boosting under that name): still served.
      return new GradientBoostingRegression(BoostingFlavor.GRADIENT_BOOSTING_TREES)
          .restore(artifact);
    }
    if (!(artifact instanceof byte[] model)) {
      throw new IllegalArgumentException(
          "expected an XGBoost JSON model, got " + artifact.getClass().getName());
    }
    return new Estimator(model);
  }

  /** The JSON model, evaluated by {@link XGBoostTrees}. */
  private static final class Estimator implements RegressionEstimator {
    private final byte[] model;
    private final XGBoostTrees trees;

    Estimator(byte[] model) {
      this.model = model;
      this.trees = XGBoostTrees.parse(model);
    }

    @Override
    public double predict(double[] features) {
      return trees.predictValue(features);
    }

    @Override
    public Serializable artifact() {
      return model;
    }
  }
}
