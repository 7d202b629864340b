package io.pgmlfollower.trainer.metrics;

import io.pgmlfollower.trainer.algorithm.ClusteringEstimator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * A clustering's metrics on the holdout, as PostgresML reports them: the mean silhouette
 * coefficient (Rousseeuw 1987; scikit-learn's {@code silhouette_score}, Euclidean), and the number
 * of clusters the holdout rows fall in. The silhouette costs the square of the rows: it is computed
 * on the first {@value #MAX_ROWS} holdout rows (a random sample, as the split is), like {@code
 * silhouette_score(..., sample_size=...)}. It is undefined, and left out, unless the rows fall in
 * at least 2 clusters and fewer clusters than rows. Noise ({@code -1}) counts as one cluster, as in
 * scikit-learn.
 */
public final class ClusteringMetrics {
  static final int MAX_ROWS = 2_000;

  private ClusteringMetrics() {}

  /**
   * @param clusterOf the cluster of a row, as {@code pgml.predict} answers it
   */
  public static Map<String, Double> compute(ToIntFunction<double[]> clusterOf, double[][] rows) {
    double[][] x = rows.length > MAX_ROWS ? Arrays.copyOf(rows, MAX_ROWS) : rows;
    int[] labels = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      labels[i] = clusterOf.applyAsInt(x[i]);
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("silhouette", silhouette(x, labels));
    metrics.put(
        "n_clusters",
        (double)
            Arrays.stream(labels).filter(l -> l != ClusteringEstimator.NOISE).distinct().count());
    return metrics;
  }

  /** The mean silhouette of the rows under {@code labels}; NaN when undefined. */
  public static double silhouette(double[][] x, int[] labels) {
    int n = x.length;
    int[] clusters = Arrays.stream(labels).distinct().sorted().toArray();
    int k = clusters.length;
    if (k < 2 || k > n - 1) {
      return Double.NaN;
    }
    int[] cluster = new int[n];
    int[] sizes = new int[k];
    for (int i = 0; i < n; i++) {
      cluster[i] = Arrays.binarySearch(clusters, labels[i]);
      sizes[cluster[i]]++;
    }
    double[] sums = new double[k];
    double total = 0;
    for (int i = 0; i < n; i++) {
      Arrays.fill(sums, 0);
      for (int j = 0; j < n; j++) {
        if (j != i) {
          sums[cluster[j]] += distance(x[i], x[j]);
        }
      }
      int own = cluster[i];
      if (sizes[own] == 1) {
        continue; // a row alone in its cluster scores 0
      }
      double a = sums[own] / (sizes[own] - 1);
      double b = Double.POSITIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        if (c != own) {
          b = Math.min(b, sums[c] / sizes[c]);
        }
      }
      double denominator = Math.max(a, b);
      total += denominator == 0 ? 0 : (b - a) / denominator;
    }
    return total / n;
  }

  private static double distance(double[] a, double[] b) {
    double sum = 0;
    for (int j = 0; j < a.length; j++) {
      double d = a[j] - b[j];
      sum += d * d;
    }
    return Math.sqrt(sum);
  }
}
