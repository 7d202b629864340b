package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * Decomposition {@code pca}: principal component analysis as scikit-learn's PCA (no whitening). The
 * rows are centered on their mean and projected on the eigenvectors of their covariance matrix of
 * largest eigenvalues. {@code n_components}: a count (default: all, min(rows, features)), or a
 * fraction in (0, 1) keeping the fewest components whose explained variance reaches it. Signs
 * follow scikit-learn ≥ 1.5 ({@code svd_flip} with {@code u_based_decision=False}): each
 * component's entry of largest magnitude is positive, so that a retrain gives the same signs.
 *
 * <p>The eigenvectors come from the cyclic Jacobi method on the features × features covariance:
 * exact to rounding and free of native code, and fast for the tens to hundreds of features a table
 * has.
 */
final class Pca implements DecompositionAlgorithm {
  private static final String N_COMPONENTS = "n_components";
  private static final int MAX_SWEEPS = 100;

  @Override
  public String name() {
    return "pca";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(N_COMPONENTS);
  }

  @Override
  public DecompositionEstimator fit(double[][] x, HyperParameters hyperparameters, long seed) {
    int n = x.length;
    int p = x[0].length;
    if (n < 2) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED, "pca needs at least 2 training rows, got " + n);
    }
    double[] mean = new double[p];
    for (double[] row : x) {
      for (int j = 0; j < p; j++) {
        mean[j] += row[j];
      }
    }
    for (int j = 0; j < p; j++) {
      mean[j] /= n;
    }
    double[][] covariance = new double[p][p];
    double[] centered = new double[p];
    for (double[] row : x) {
      for (int j = 0; j < p; j++) {
        centered[j] = row[j] - mean[j];
      }
      for (int a = 0; a < p; a++) {
        for (int b = a; b < p; b++) {
          covariance[a][b] += centered[a] * centered[b];
        }
      }
    }
    for (int a = 0; a < p; a++) {
      for (int b = a; b < p; b++) {
        covariance[a][b] /= n - 1;
        covariance[b][a] = covariance[a][b];
      }
    }
    double[][] vectors = new double[p][p];
    double[] values = jacobi(covariance, vectors);
    Integer[] order = new Integer[p];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
    double total = 0;
    for (double value : values) {
      total += Math.max(value, 0);
    }
    int k = components(hyperparameters, values, order, total, Math.min(n, p));
    double[][] components = new double[k][p];
    for (int c = 0; c < k; c++) {
      int column = order[c];
      int largest = 0;
      for (int j = 0; j < p; j++) {
        components[c][j] = vectors[j][column];
        if (Math.abs(components[c][j]) > Math.abs(components[c][largest])) {
          largest = j;
        }
      }
      if (components[c][largest] < 0) {
        for (int j = 0; j < p; j++) {
          components[c][j] = -components[c][j];
        }
      }
    }
    return new Projection(mean, components);
  }

  private static int components(
      HyperParameters hyperparameters, double[] values, Integer[] order, double total, int max) {
    Object given = hyperparameters.raw(N_COMPONENTS);
    if (given == null) {
      return max;
    }
    double fraction = hyperparameters.doubleValue(N_COMPONENTS, max, 0, false, max);
    if (fraction >= 1) {
      return hyperparameters.intValue(N_COMPONENTS, max, 1, max);
    }
    double kept = 0;
    for (int c = 0; c < max; c++) {
      kept += Math.max(values[order[c]], 0);
      if (total == 0 || kept / total >= fraction) {
        return c + 1;
      }
    }
    return max;
  }

  /**
   * Eigenvalues of the symmetric {@code matrix} (destroyed), eigenvectors as the columns of {@code
   * vectors}: cyclic Jacobi rotations until the off-diagonal part vanishes (Golub & Van Loan,
   * Matrix Computations, §8.5).
   */
  static double[] jacobi(double[][] matrix, double[][] vectors) {
    int p = matrix.length;
    for (int i = 0; i < p; i++) {
      Arrays.fill(vectors[i], 0);
      vectors[i][i] = 1;
    }
    double scale = 0;
    for (double[] row : matrix) {
      for (double value : row) {
        scale += value * value;
      }
    }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double off = 0;
      for (int a = 0; a < p; a++) {
        for (int b = a + 1; b < p; b++) {
          off += matrix[a][b] * matrix[a][b];
        }
      }
      if (off <= 1e-30 * scale || off == 0) {
        break;
      }
      for (int a = 0; a < p - 1; a++) {
        for (int b = a + 1; b < p; b++) {
          if (matrix[a][b] == 0) {
            continue;
          }
          double theta = (matrix[b][b] - matrix[a][a]) / (2 * matrix[a][b]);
          double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          if (theta == 0) {
            t = 1;
          }
          double c = 1 / Math.sqrt(t * t + 1);
          double s = t * c;
          for (int k = 0; k < p; k++) {
            double ak = matrix[a][k];
            double bk = matrix[b][k];
            matrix[a][k] = c * ak - s * bk;
            matrix[b][k] = s * ak + c * bk;
          }
          for (int k = 0; k < p; k++) {
            double ka = matrix[k][a];
            double kb = matrix[k][b];
            matrix[k][a] = c * ka - s * kb;
            matrix[k][b] = s * ka + c * kb;
          }
          for (int k = 0; k < p; k++) {
            double va = vectors[k][a];
            double vb = vectors[k][b];
            vectors[k][a] = c * va - s * vb;
            vectors[k][b] = s * va + c * vb;
          }
        }
      }
    }
    double[] values = new double[p];
    for (int i = 0; i < p; i++) {
      values[i] = matrix[i][i];
    }
    return values;
  }

  @Override
  public DecompositionEstimator restore(Object artifact) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 2
        || !(parts[0] instanceof double[] mean)
        || !(parts[1] instanceof double[][] components)
        || components.length == 0
        || components[0].length != mean.length) {
      throw new IllegalArgumentException("expected the mean and components of a PCA model");
    }
    return new Projection(mean, components);
  }

  /** The training mean and the components, one row each. */
  private record Projection(double[] mean, double[][] components)
      implements DecompositionEstimator {
    @Override
    public int numComponents() {
      return components.length;
    }

    @Override
    public double[] transform(double[] features) {
      double[] out = new double[components.length];
      for (int c = 0; c < components.length; c++) {
        double sum = 0;
        double[] component = components[c];
        for (int j = 0; j < mean.length; j++) {
          sum += (features[j] - mean[j]) * component[j];
        }
        out[c] = sum;
      }
      return out;
    }

    @Override
    public double explainedVariance(double[][] rows) {
      // The components are orthonormal: the kept share is the projection's squared norm.
      double kept = 0;
      double total = 0;
      for (double[] row : rows) {
        for (double value : transform(row)) {
          kept += value * value;
        }
        for (int j = 0; j < mean.length; j++) {
          total += (row[j] - mean[j]) * (row[j] - mean[j]);
        }
      }
      return total == 0 ? Double.NaN : kept / total;
    }

    @Override
    public Serializable artifact() {
      return new Object[] {mean, components};
    }
  }
}
