package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;

/** y = b + w·x. The artifact is the {@code double[]} {b, w1..wp}. */
record LinearEstimator(double[] coefficients) implements RegressionEstimator {
  LinearEstimator {
    requireNonNull(coefficients, "coefficients is null");
  }

  static LinearEstimator restore(Object artifact) {
    if (!(artifact instanceof double[] coefficients)) {
      throw new IllegalArgumentException(
          "a linear model artifact is a double[], got " + artifact.getClass().getName());
    }
    return new LinearEstimator(coefficients);
  }

  @Override
  public double predict(double[] features) {
    double sum = coefficients[0];
    for (int j = 0; j < features.length; j++) {
      sum += coefficients[j + 1] * features[j];
    }
    return sum;
  }

  @Override
  public Serializable artifact() {
    return coefficients;
  }
}
