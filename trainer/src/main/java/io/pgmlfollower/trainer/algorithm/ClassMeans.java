package io.pgmlfollower.trainer.algorithm;

import java.util.Arrays;

/**
 * The training rows grouped by class, the first statistics of every Gaussian classifier here: the
 * classes present (sorted project class indices), each row's position among them, each class's row
 * count and feature means.
 */
record ClassMeans(int[] classes, int[] label, double[] counts, double[][] means) {
  static ClassMeans of(double[][] x, int[] y) {
    int[] classes = Arrays.stream(y).distinct().sorted().toArray();
    int p = x[0].length;
    double[] counts = new double[classes.length];
    double[][] means = new double[classes.length][p];
    int[] label = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      label[i] = Arrays.binarySearch(classes, y[i]);
      counts[label[i]]++;
      for (int j = 0; j < p; j++) {
        means[label[i]][j] += x[i][j];
      }
    }
    for (int c = 0; c < classes.length; c++) {
      for (int j = 0; j < p; j++) {
        means[c][j] /= counts[c];
      }
    }
    return new ClassMeans(classes, label, counts, means);
  }
}
