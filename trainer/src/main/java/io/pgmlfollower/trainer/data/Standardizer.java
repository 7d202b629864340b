package io.pgmlfollower.trainer.data;

import static java.util.Objects.requireNonNull;

/**
 * Centers and scales features to unit variance (PostgresML's {@code scale: standard}). Linear
 * models that the trainer fits by iterative optimization (logistic regression) need it to converge
 * when features differ by orders of magnitude, e.g. an {@code id} column next to ratios. Constant
 * features keep a scale of 1.
 */
public record Standardizer(double[] mean, double[] scale) {
  public Standardizer {
    requireNonNull(mean, "mean is null");
    requireNonNull(scale, "scale is null");
    if (mean.length != scale.length) {
      throw new IllegalArgumentException("mean and scale differ in length");
    }
  }

  public static Standardizer fit(double[][] x) {
    if (x.length == 0) {
      throw new IllegalArgumentException("no rows");
    }
    int p = x[0].length;
    double[] mean = new double[p];
    double[] scale = new double[p];
    for (double[] row : x) {
      for (int j = 0; j < p; j++) {
        mean[j] += row[j];
      }
    }
    for (int j = 0; j < p; j++) {
      mean[j] /= x.length;
    }
    for (double[] row : x) {
      for (int j = 0; j < p; j++) {
        double d = row[j] - mean[j];
        scale[j] += d * d;
      }
    }
    for (int j = 0; j < p; j++) {
      double sd = Math.sqrt(scale[j] / x.length);
      scale[j] = sd > 0 ? sd : 1.0;
    }
    return new Standardizer(mean, scale);
  }

  public double[] apply(double[] row) {
    double[] scaled = new double[row.length];
    for (int j = 0; j < row.length; j++) {
      scaled[j] = (row[j] - mean[j]) / scale[j];
    }
    return scaled;
  }

  public double[][] apply(double[][] x) {
    double[][] scaled = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      scaled[i] = apply(x[i]);
    }
    return scaled;
  }
}
