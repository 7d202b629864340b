package io.pgmlfollower.trainer.algorithm;

import java.util.Arrays;

/**
 * A fitted multi-layer perceptron: per layer {@code l} a weight matrix of {@code layerSizes[l]}
 * rows by {@code layerSizes[l + 1]} columns stored row-major (scikit-learn's {@code coefs_[l]}) and
 * a bias vector ({@code intercepts_[l]}); the hidden layers apply {@code hidden}, the last layer
 * {@code output}. Never modified after construction, so it may be shared between threads.
 */
record MlpNetwork(
    int[] layerSizes,
    double[][] weights,
    double[][] biases,
    MlpActivation hidden,
    MlpActivation output) {

  MlpNetwork {
    if (layerSizes.length < 2
        || weights.length != layerSizes.length - 1
        || biases.length != layerSizes.length - 1) {
      throw new IllegalArgumentException("expected one weight matrix and bias vector per layer");
    }
    for (int l = 0; l < weights.length; l++) {
      if (weights[l].length != layerSizes[l] * layerSizes[l + 1]
          || biases[l].length != layerSizes[l + 1]) {
        throw new IllegalArgumentException(
            "layer %d does not match the layer sizes %s".formatted(l, Arrays.toString(layerSizes)));
      }
    }
  }

  int outputs() {
    return layerSizes[layerSizes.length - 1];
  }

  /** The output layer's activations for one row; allocates one small array per layer. */
  double[] forward(double[] features) {
    double[] input = features;
    for (int l = 0; l < weights.length; l++) {
      double[] next = new double[layerSizes[l + 1]];
      layer(l, input, 0, next, 0);
      (l == weights.length - 1 ? output : hidden).apply(next, 0, next.length);
      input = next;
    }
    return input;
  }

  /**
   * The pre-activations of layer {@code l + 1} for one row: {@code input[inOffset...]} times the
   * weights plus the bias, into {@code out[outOffset...]}. Shared with training so that fitting and
   * predicting compute exactly the same numbers.
   */
  void layer(int l, double[] input, int inOffset, double[] out, int outOffset) {
    int fanIn = layerSizes[l];
    int fanOut = layerSizes[l + 1];
    double[] w = weights[l];
    System.arraycopy(biases[l], 0, out, outOffset, fanOut);
    for (int i = 0; i < fanIn; i++) {
      double a = input[inOffset + i];
      if (a == 0) {
        continue; // relu zeroes many hidden units: their row adds nothing
      }
      int row = i * fanOut;
      for (int j = 0; j < fanOut; j++) {
        out[outOffset + j] += a * w[row + j];
      }
    }
  }

  /** Primitive arrays and strings only: what the artifact codec admits. */
  Object[] artifact() {
    return new Object[] {layerSizes, weights, biases, hidden.sqlName(), output.sqlName()};
  }

  /**
   * @throws IllegalArgumentException when {@code artifact} is not what {@link #artifact()} wrote
   */
  static MlpNetwork restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 5
        || !(parts[0] instanceof int[] layerSizes)
        || !(parts[1] instanceof double[][] weights)
        || !(parts[2] instanceof double[][] biases)
        || !(parts[3] instanceof String hidden)
        || !(parts[4] instanceof String output)) {
      throw new IllegalArgumentException("expected a multi-layer perceptron");
    }
    return new MlpNetwork(
        layerSizes, weights, biases, MlpActivation.of(hidden), MlpActivation.of(output));
  }
}
