package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Clustering {@code kmeans}: Lloyd's algorithm as scikit-learn's KMeans runs it. {@code n_clusters}
 * 8; {@code init} {@code k-means++} (greedy, with 2 + ln k candidates per center, as scikit-learn)
 * or {@code random} (k distinct rows); {@code n_init} 1 (scikit-learn's {@code 'auto'} with
 * k-means++), the run of least inertia kept; {@code max_iter} 300; {@code tol} 1e-4, relative to
 * the mean per-feature variance, on the squared shift of the centers. Features are not scaled, as
 * in scikit-learn: use {@code preprocess} to scale them. A row belongs to its nearest center.
 */
final class KMeansClustering implements ClusteringAlgorithm {
  private static final String N_CLUSTERS = "n_clusters";
  private static final String INIT = "init";
  private static final String N_INIT = "n_init";
  private static final String MAX_ITER = "max_iter";
  private static final String TOL = "tol";

  @Override
  public String name() {
    return "kmeans";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_CLUSTERS, INIT, N_INIT, MAX_ITER, TOL);
  }

  @Override
  public ClusteringEstimator fit(double[][] x, HyperParameters hyperparameters, long seed) {
    int k = hyperparameters.intValue(N_CLUSTERS, 8, 1, x.length);
    if (k > x.length) {
      // The default of 8, on fewer training rows: scikit-learn refuses it too.
      throw new TrainerException(
          TrainerErrorCode.INVALID_HYPERPARAMETER,
          "kmeans needs at least n_clusters (%d) training rows, got %d: pass a smaller n_clusters"
              .formatted(k, x.length));
    }
    boolean plusPlus =
        hyperparameters
            .choice(INIT, "k-means++", Set.of("k-means++", "random"))
            .equals("k-means++");
    int runs = hyperparameters.intValue(N_INIT, 1, 1, 1000);
    int maxIter = hyperparameters.intValue(MAX_ITER, 300, 1, Integer.MAX_VALUE);
    double tol =
        hyperparameters.doubleValue(TOL, 1e-4, 0, true, Double.MAX_VALUE) * meanVariance(x);
    SplittableRandom random = new SplittableRandom(seed);
    double[][] best = null;
    double bestInertia = Double.POSITIVE_INFINITY;
    for (int run = 0; run < runs; run++) {
      double[][] centers = plusPlus ? plusPlus(x, k, random) : randomRows(x, k, random);
      double inertia = lloyd(x, centers, maxIter, tol);
      if (inertia < bestInertia) {
        bestInertia = inertia;
        best = centers;
      }
    }
    return new Centers(best);
  }

  @Override
  public ClusteringEstimator restore(Object artifact) {
    if (!(artifact instanceof double[][] centers) || centers.length == 0) {
      throw new IllegalArgumentException("expected the centers of a k-means model");
    }
    return new Centers(centers);
  }

  private static double meanVariance(double[][] x) {
    int p = x[0].length;
    double total = 0;
    for (int j = 0; j < p; j++) {
      double mean = 0;
      for (double[] row : x) {
        mean += row[j];
      }
      mean /= x.length;
      double variance = 0;
      for (double[] row : x) {
        variance += (row[j] - mean) * (row[j] - mean);
      }
      total += variance / x.length;
    }
    return total / p;
  }

  /** Iterates until the centers move less than {@code tol}; returns the final inertia. */
  private static double lloyd(double[][] x, double[][] centers, int maxIter, double tol) {
    int k = centers.length;
    int p = x[0].length;
    int[] label = new int[x.length];
    double[][] sums = new double[k][p];
    int[] counts = new int[k];
    for (int iteration = 0; iteration < maxIter; iteration++) {
      for (int i = 0; i < x.length; i++) {
        label[i] = nearest(centers, x[i]);
      }
      for (double[] sum : sums) {
        Arrays.fill(sum, 0);
      }
      Arrays.fill(counts, 0);
      for (int i = 0; i < x.length; i++) {
        counts[label[i]]++;
        for (int j = 0; j < p; j++) {
          sums[label[i]][j] += x[i][j];
        }
      }
      double shift = 0;
      for (int c = 0; c < k; c++) {
        if (counts[c] == 0) {
          continue; // an empty cluster keeps its center (scikit-learn relocates it; rare)
        }
        for (int j = 0; j < p; j++) {
          double moved = sums[c][j] / counts[c];
          shift += (moved - centers[c][j]) * (moved - centers[c][j]);
          centers[c][j] = moved;
        }
      }
      if (shift <= tol) {
        break;
      }
    }
    double inertia = 0;
    for (double[] row : x) {
      inertia += squaredDistance(row, centers[nearest(centers, row)]);
    }
    return inertia;
  }

  /** Greedy k-means++ (Arthur & Vassilvitskii 2007), scikit-learn's {@code _kmeans_plusplus}. */
  private static double[][] plusPlus(double[][] x, int k, SplittableRandom random) {
    int n = x.length;
    int trials = 2 + (int) Math.log(k);
    double[][] centers = new double[k][];
    centers[0] = x[random.nextInt(n)].clone();
    double[] closest = new double[n];
    double potential = 0;
    for (int i = 0; i < n; i++) {
      closest[i] = squaredDistance(x[i], centers[0]);
      potential += closest[i];
    }
    double[] candidateClosest = new double[n];
    for (int c = 1; c < k; c++) {
      int bestCandidate = -1;
      double bestPotential = Double.POSITIVE_INFINITY;
      double[] bestClosest = null;
      for (int t = 0; t < trials; t++) {
        int candidate = sample(closest, potential, random);
        double candidatePotential = 0;
        for (int i = 0; i < n; i++) {
          candidateClosest[i] = Math.min(closest[i], squaredDistance(x[i], x[candidate]));
          candidatePotential += candidateClosest[i];
        }
        if (candidatePotential < bestPotential) {
          bestPotential = candidatePotential;
          bestCandidate = candidate;
          bestClosest = candidateClosest.clone();
        }
      }
      centers[c] = x[bestCandidate].clone();
      closest = bestClosest;
      potential = bestPotential;
    }
    return centers;
  }

  /** A row drawn with probability proportional to its squared distance to the nearest center. */
  private static int sample(double[] weights, double total, SplittableRandom random) {
    if (!(total > 0)) {
      return random.nextInt(weights.length); // every row is a center already: any will do
    }
    double target = random.nextDouble() * total;
    double cumulative = 0;
    for (int i = 0; i < weights.length; i++) {
      cumulative += weights[i];
      if (cumulative > target) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static double[][] randomRows(double[][] x, int k, SplittableRandom random) {
    int[] order = new int[x.length];
    Arrays.setAll(order, i -> i);
    double[][] centers = new double[k][];
    for (int c = 0; c < k; c++) {
      int pick = c + random.nextInt(x.length - c);
      int swap = order[pick];
      order[pick] = order[c];
      order[c] = swap;
      centers[c] = x[order[c]].clone();
    }
    return centers;
  }

  static int nearest(double[][] centers, double[] row) {
    int best = 0;
    double bestDistance = Double.POSITIVE_INFINITY;
    for (int c = 0; c < centers.length; c++) {
      double distance = squaredDistance(row, centers[c]);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    return best;
  }

  static double squaredDistance(double[] a, double[] b) {
    double sum = 0;
    for (int j = 0; j < a.length; j++) {
      double d = a[j] - b[j];
      sum += d * d;
    }
    return sum;
  }

  /** The fitted centers; a row belongs to the nearest. */
  private record Centers(double[][] centers) implements ClusteringEstimator {
    @Override
    public int predict(double[] features) {
      return nearest(centers, features);
    }

    @Override
    public Serializable artifact() {
      return centers;
    }
  }
}
