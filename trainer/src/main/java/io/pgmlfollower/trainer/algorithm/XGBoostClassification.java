package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Set;

/**
 * PostgresML's {@code xgboost} for classification: XGBoost4J's gradient-boosted trees with {@code
 * binary:logistic} for two classes and {@code multi:softprob} for more.
 */
final class XGBoostClassification implements ClassificationAlgorithm {
  @Override
  public String name() {
    return "xgboost";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return XGBoostBooster.hyperparameterNames(false);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    float[] labels = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      labels[i] = y[i];
    }
    String objective = numClasses > 2 ? "multi:softprob" : "binary:logistic";
    byte[] model =
        XGBoostBooster.train(
            x, labels, XGBoostBooster.parameters(hyperparameters, objective, numClasses, seed));
    return new Estimator(model, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (artifact instanceof smile.classification.GradientTreeBoost) {
      // Trained before xgboost ran XGBoost (it ran Smile's boosting under that name): still served.
      return new GradientBoostingClassification(BoostingFlavor.GRADIENT_BOOSTING_TREES)
          .restore(artifact, numClasses);
    }
    if (!(artifact instanceof byte[] model)) {
      throw new IllegalArgumentException(
          "expected an XGBoost JSON model, got " + artifact.getClass().getName());
    }
    return new Estimator(model, numClasses);
  }

  /** The JSON model, evaluated by {@link XGBoostTrees}. */
  private static final class Estimator implements ClassificationEstimator {
    private final byte[] model;
    private final XGBoostTrees trees;
    private final int numClasses;

    Estimator(byte[] model, int numClasses) {
      this.model = model;
      this.trees = XGBoostTrees.parse(model);
      this.numClasses = numClasses;
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      double[] scores = probabilities;
      if (probabilities.length < Math.max(2, trees.outputs())) {
        scores = new double[Math.max(2, trees.outputs())];
      }
      trees.probabilities(features, scores);
      int best = 0;
      for (int i = 1; i < numClasses; i++) {
        if (scores[i] > scores[best]) {
          best = i;
        }
      }
      if (scores != probabilities) {
        System.arraycopy(scores, 0, probabilities, 0, probabilities.length);
      }
      return best;
    }

    @Override
    public Serializable artifact() {
      return model;
    }
  }
}
