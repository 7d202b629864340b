package io.pgmlfollower.trainer.algorithm;

import java.util.Locale;

/**
 * The activation functions of scikit-learn's multi-layer perceptron ({@code
 * sklearn.neural_network._base}): the four a hidden layer may use, and softmax, which only the
 * output layer of a multi-class classifier uses. Each applies in place to one row of a layer's
 * values.
 */
enum MlpActivation {
  IDENTITY,
  LOGISTIC,
  TANH,
  RELU,
  SOFTMAX;

  /** The hyperparameter's and the artifact's name, e.g. {@code relu}. */
  String sqlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static MlpActivation of(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** Turns the pre-activations {@code values[offset, offset + length)} into activations. */
  void apply(double[] values, int offset, int length) {
    int end = offset + length;
    switch (this) {
      case IDENTITY -> {}
      case LOGISTIC -> {
        for (int i = offset; i < end; i++) {
          values[i] = 1 / (1 + Math.exp(-values[i]));
        }
      }
      case TANH -> {
        for (int i = offset; i < end; i++) {
          values[i] = Math.tanh(values[i]);
        }
      }
      case RELU -> {
        for (int i = offset; i < end; i++) {
          values[i] = Math.max(values[i], 0);
        }
      }
      case SOFTMAX -> {
        // Shifted by the largest value so that exp cannot overflow, as scikit-learn's softmax.
        double largest = Double.NEGATIVE_INFINITY;
        for (int i = offset; i < end; i++) {
          largest = Math.max(largest, values[i]);
        }
        double total = 0;
        for (int i = offset; i < end; i++) {
          values[i] = Math.exp(values[i] - largest);
          total += values[i];
        }
        for (int i = offset; i < end; i++) {
          values[i] /= total;
        }
      }
    }
  }

  /**
   * Multiplies the back-propagated {@code deltas} by this hidden activation's derivative, written
   * in terms of the activation's output {@code activated} (scikit-learn's {@code DERIVATIVES}).
   */
  void multiplyByDerivative(double[] activated, double[] deltas, int length) {
    switch (this) {
      case IDENTITY -> {}
      case LOGISTIC -> {
        for (int i = 0; i < length; i++) {
          deltas[i] *= activated[i] * (1 - activated[i]);
        }
      }
      case TANH -> {
        for (int i = 0; i < length; i++) {
          deltas[i] *= 1 - activated[i] * activated[i];
        }
      }
      case RELU -> {
        for (int i = 0; i < length; i++) {
          if (activated[i] == 0) {
            deltas[i] = 0;
          }
        }
      }
      case SOFTMAX -> throw new IllegalStateException("softmax is an output activation only");
    }
  }
}
