package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Set;

/**
 * Regression {@code mlp}: a multi-layer perceptron as scikit-learn's MLPRegressor: one identity
 * output unit trained on the squared loss (half the mean squared error), with the same
 * hyperparameters and defaults as the classification {@code mlp} ({@link MlpClassification}):
 * {@code hidden_layer_sizes} (100,), relu, adam, {@code alpha} 1e-4, {@code batch_size} min(200,
 * rows), {@code learning_rate_init} 1e-3, {@code max_iter} 200, {@code tol} 1e-4 over {@code
 * n_iter_no_change} 10 epochs.
 *
 * <p>Neither the features nor the target are scaled, as in scikit-learn: unscaled features (or a
 * target far from unit scale) make the network learn slowly or diverge exactly as MLPRegressor
 * does; scale features with {@code preprocess}. The differences from scikit-learn are those listed
 * for the classification.
 */
final class MlpRegression implements RegressionAlgorithm {
  @Override
  public String name() {
    return "mlp";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return MlpParameters.NAMES;
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    double[][] targets = new double[y.length][];
    for (int i = 0; i < y.length; i++) {
      targets[i] = new double[] {y[i]};
    }
    MlpNetwork network =
        MlpTrainer.train(
            x, targets, MlpActivation.IDENTITY, MlpParameters.of(hyperparameters), seed);
    return new Model(network);
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    return new Model(MlpNetwork.restore(artifact));
  }

  /** The fitted network; immutable. */
  private record Model(MlpNetwork network) implements RegressionEstimator {
    @Override
    public double predict(double[] features) {
      return network.forward(features)[0];
    }

    /** The network's arrays and activation names: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      return network.artifact();
    }
  }
}
