package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * Classification {@code mlp}: a multi-layer perceptron as scikit-learn's MLPClassifier, with its
 * defaults: {@code hidden_layer_sizes} (100,) (a JSON array such as {@code [50, 20]} for two hidden
 * layers, or one integer), {@code activation} relu (or identity, logistic, tanh), {@code solver}
 * adam ({@code beta_1} 0.9, {@code beta_2} 0.999, {@code epsilon} 1e-8) or sgd ({@code momentum}
 * 0.9, Nesterov's, {@code learning_rate} constant, invscaling or adaptive), L2 penalty {@code
 * alpha} 1e-4, {@code batch_size} min(200, rows), {@code learning_rate_init} 1e-3, {@code max_iter}
 * 200 epochs, rows shuffled each epoch, stopping early when the training loss has not improved by
 * {@code tol} 1e-4 for {@code n_iter_no_change} 10 epochs. Two classes share one logistic output
 * unit (probabilities [1 − p, p]), more classes a softmax layer; the loss is the cross-entropy.
 *
 * <p>As in scikit-learn, features are not standardized: on unscaled features the network learns
 * badly or not at all, exactly as MLPClassifier does, so scale them with {@code preprocess}.
 *
 * <p>Differences from scikit-learn: the solver {@code lbfgs} is refused (INVALID_HYPERPARAMETER
 * naming adam and sgd); {@code early_stopping}, {@code validation_fraction}, {@code warm_start},
 * {@code max_fun} and {@code verbose} are not accepted; the random numbers (initial weights,
 * shuffles) come from the trainer's seed rather than numpy's, so the same seed gives the same model
 * here but not scikit-learn's; reaching {@code max_iter} is silent where scikit-learn warns. A
 * class absent from the training rows (it fell in the holdout) is left out of the network, so it
 * gets probability 0 and is never predicted.
 */
final class MlpClassification implements ClassificationAlgorithm {
  @Override
  public String name() {
    return "mlp";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return MlpParameters.NAMES;
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    MlpParameters parameters = MlpParameters.of(hyperparameters);
    int[] classes = Arrays.stream(y).distinct().sorted().toArray();
    // scikit-learn's LabelBinarizer: one 0/1 column for two classes (or a single one), else
    // one-hot.
    boolean binary = classes.length <= 2;
    double[][] targets = new double[y.length][binary ? 1 : classes.length];
    for (int i = 0; i < y.length; i++) {
      int label = Arrays.binarySearch(classes, y[i]);
      if (binary) {
        targets[i][0] = label;
      } else {
        targets[i][label] = 1;
      }
    }
    MlpNetwork network =
        MlpTrainer.train(
            x, targets, binary ? MlpActivation.LOGISTIC : MlpActivation.SOFTMAX, parameters, seed);
    return new Model(network, classes, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 2
        || !(parts[1] instanceof int[] classes)) {
      throw new IllegalArgumentException("expected a multi-layer perceptron and its classes");
    }
    return new Model(MlpNetwork.restore(parts[0]), classes, numClasses);
  }

  /** The network with the project classes its output units stand for; immutable. */
  private record Model(MlpNetwork network, int[] classes, int numClasses)
      implements ClassificationEstimator {
    Model {
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      double[] output = network.forward(features);
      Arrays.fill(probabilities, 0.0);
      if (classes.length == 1) {
        probabilities[classes[0]] = 1;
        return classes[0];
      }
      if (output.length == 1) {
        double p = output[0];
        probabilities[classes[0]] = 1 - p;
        probabilities[classes[1]] = p;
        // LabelBinarizer's threshold: class 1 only strictly above one half.
        return p > 0.5 ? classes[1] : classes[0];
      }
      int best = 0;
      for (int k = 0; k < output.length; k++) {
        probabilities[classes[k]] = output[k];
        if (output[k] > output[best]) {
          best = k;
        }
      }
      return classes[best];
    }

    /** The network's arrays and the classes: primitive arrays and strings, as the codec admits. */
    @Override
    public Serializable artifact() {
      return new Object[] {network.artifact(), classes};
    }
  }
}
