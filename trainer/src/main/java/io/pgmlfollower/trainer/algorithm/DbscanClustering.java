package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Set;

/**
 * Clustering {@code dbscan} (Ester, Kriegel, Sander & Xu, KDD 1996) as scikit-learn's DBSCAN:
 * {@code eps} 0.5 and {@code min_samples} 5 (the row itself included), Euclidean distance; rows
 * within {@code eps} of a core row join its cluster, the others are noise ({@code -1}). Clusters
 * are numbered in the order their first core row appears, as scikit-learn does.
 *
 * <p>scikit-learn's DBSCAN cannot label new rows; {@code pgml.predict} here gives a row the cluster
 * of the nearest core row within {@code eps}, or {@code -1}, which on a training row reproduces its
 * training label except for a border row reachable from two clusters. The neighbourhood search is
 * brute force (O(n²) distances), fine for the tens of thousands of rows one trains on in memory.
 */
final class DbscanClustering implements ClusteringAlgorithm {
  private static final String EPS = "eps";
  private static final String MIN_SAMPLES = "min_samples";

  @Override
  public String name() {
    return "dbscan";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(EPS, MIN_SAMPLES);
  }

  @Override
  public ClusteringEstimator fit(double[][] x, HyperParameters hyperparameters, long seed) {
    double eps = hyperparameters.doubleValue(EPS, 0.5, 0, false, Double.MAX_VALUE);
    int minSamples = hyperparameters.intValue(MIN_SAMPLES, 5, 1, Integer.MAX_VALUE);
    int n = x.length;
    double eps2 = eps * eps;
    int[][] neighbours = new int[n][];
    int[] buffer = new int[n];
    for (int i = 0; i < n; i++) {
      int count = 0;
      for (int j = 0; j < n; j++) {
        if (KMeansClustering.squaredDistance(x[i], x[j]) <= eps2) {
          buffer[count++] = j;
        }
      }
      neighbours[i] = Arrays.copyOf(buffer, count);
    }
    int[] label = new int[n];
    Arrays.fill(label, ClusteringEstimator.NOISE);
    boolean[] core = new boolean[n];
    for (int i = 0; i < n; i++) {
      core[i] = neighbours[i].length >= minSamples;
    }
    int clusters = 0;
    ArrayDeque<Integer> frontier = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      if (!core[i] || label[i] != ClusteringEstimator.NOISE) {
        continue;
      }
      int cluster = clusters++;
      label[i] = cluster;
      frontier.add(i);
      while (!frontier.isEmpty()) {
        int row = frontier.poll();
        for (int other : neighbours[row]) {
          if (label[other] == ClusteringEstimator.NOISE) {
            label[other] = cluster;
            if (core[other]) {
              frontier.add(other);
            }
          }
        }
      }
    }
    int cores = 0;
    for (boolean c : core) {
      cores += c ? 1 : 0;
    }
    double[][] coreRows = new double[cores][];
    int[] coreLabels = new int[cores];
    int next = 0;
    for (int i = 0; i < n; i++) {
      if (core[i]) {
        coreRows[next] = x[i].clone();
        coreLabels[next++] = label[i];
      }
    }
    return new CoreRows(coreRows, coreLabels, eps);
  }

  @Override
  public ClusteringEstimator restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 3
        || !(parts[0] instanceof double[][] rows)
        || !(parts[1] instanceof int[] labels)
        || !(parts[2] instanceof double[] eps)
        || rows.length != labels.length
        || eps.length != 1) {
      throw new IllegalArgumentException("expected the core rows of a DBSCAN model");
    }
    return new CoreRows(rows, labels, eps[0]);
  }

  /** The core rows with their clusters: a new row joins the nearest within {@code eps}. */
  private record CoreRows(double[][] rows, int[] labels, double eps)
      implements ClusteringEstimator {
    @Override
    public int predict(double[] features) {
      double reach = eps * eps;
      double best = Double.POSITIVE_INFINITY;
      int label = NOISE;
      for (int i = 0; i < rows.length; i++) {
        double distance = KMeansClustering.squaredDistance(features, rows[i]);
        if (distance <= reach && distance < best) {
          best = distance;
          label = labels[i];
        }
      }
      return label;
    }

    /** A scan of the stored rows (or support vectors) per prediction: not for the event loop. */
    @Override
    public boolean predictsQuickly() {
      return false;
    }

    @Override
    public Serializable artifact() {
      return new Object[] {rows, labels, new double[] {eps}};
    }
  }
}
