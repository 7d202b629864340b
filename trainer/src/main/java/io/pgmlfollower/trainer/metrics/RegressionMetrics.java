package io.pgmlfollower.trainer.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Holdout metrics of a regression model, named as PostgresML stores them in {@code
 * pgml.models.metrics}: {@code r2} (the key metric), {@code mae}, {@code mse}, {@code rmse}.
 * Definitions follow scikit-learn's, which PostgresML reports.
 */
public final class RegressionMetrics {
  private RegressionMetrics() {}

  public static Map<String, Double> compute(double[] actual, double[] predicted) {
    if (actual.length != predicted.length || actual.length == 0) {
      throw new IllegalArgumentException(
          "need as many predictions as actual values, at least one; got %d and %d"
              .formatted(actual.length, predicted.length));
    }
    int n = actual.length;
    double mean = 0;
    for (double value : actual) {
      mean += value;
    }
    mean /= n;
    double absolute = 0;
    double squared = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
      double error = actual[i] - predicted[i];
      absolute += Math.abs(error);
      squared += error * error;
      double deviation = actual[i] - mean;
      total += deviation * deviation;
    }
    double mse = squared / n;
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("r2", r2(squared, total));
    metrics.put("mae", absolute / n);
    metrics.put("mse", mse);
    metrics.put("rmse", Math.sqrt(mse));
    return metrics;
  }

  /** scikit-learn's convention for a constant target: 1 when predicted exactly, else 0. */
  private static double r2(double residualSumOfSquares, double totalSumOfSquares) {
    if (totalSumOfSquares == 0) {
      return residualSumOfSquares == 0 ? 1.0 : 0.0;
    }
    return 1 - residualSumOfSquares / totalSumOfSquares;
  }
}
