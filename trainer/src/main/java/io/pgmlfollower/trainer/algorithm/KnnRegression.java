package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * Regression {@code knn}: the mean target of the {@code n_neighbors} (5, as scikit-learn's
 * KNeighborsRegressor) training rows nearest by Euclidean distance, uniform weights, brute-force
 * search; features standardized first, as the classification's, since distances mix their scales.
 * Plain Java: the model is the training rows and their targets.
 */
final class KnnRegression implements RegressionAlgorithm {
  private static final String N_NEIGHBORS = "n_neighbors";

  @Override
  public String name() {
    return "knn";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_NEIGHBORS);
  }

  @Override
  public boolean standardizesFeatures() {
    return true;
  }

  @Override
  public RegressionEstimator fit(
      double[][] x, double[] y, HyperParameters hyperparameters, long seed) {
    // The default of 5 is capped at the rows there are (a given value is checked against them).
    int k = Math.min(hyperparameters.intValue(N_NEIGHBORS, 5, 1, x.length), x.length);
    return new Neighbours(x, y, k);
  }

  @Override
  public RegressionEstimator restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 3
        || !(parts[0] instanceof double[][] x)
        || !(parts[1] instanceof double[] y)
        || !(parts[2] instanceof int[] k)
        || x.length != y.length
        || k.length != 1) {
      throw new IllegalArgumentException("expected the rows, targets and k of a k-NN model");
    }
    return new Neighbours(x, y, k[0]);
  }

  /** The training rows; a prediction averages the k nearest targets. */
  private record Neighbours(double[][] x, double[] y, int k) implements RegressionEstimator {
    @Override
    public double predict(double[] features) {
      // The k smallest distances by insertion into a sorted array of k: k is small.
      double[] best = new double[k];
      int[] rows = new int[k];
      Arrays.fill(best, Double.POSITIVE_INFINITY);
      for (int i = 0; i < x.length; i++) {
        double distance = KMeansClustering.squaredDistance(features, x[i]);
        if (distance >= best[k - 1]) {
          continue;
        }
        int at = k - 1;
        while (at > 0 && best[at - 1] > distance) {
          best[at] = best[at - 1];
          rows[at] = rows[at - 1];
          at--;
        }
        best[at] = distance;
        rows[at] = i;
      }
      double sum = 0;
      for (int row : rows) {
        sum += y[row];
      }
      return sum / k;
    }

    /** A scan of the stored rows (or support vectors) per prediction: not for the event loop. */
    @Override
    public boolean predictsQuickly() {
      return false;
    }

    @Override
    public Serializable artifact() {
      return new Object[] {x, y, new int[] {k}};
    }
  }
}
