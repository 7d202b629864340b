package io.pgmlfollower.trainer.algorithm;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;

/**
 * Linear least squares in plain Java, for {@code linear} and {@code ridge} regression.
 *
 * <p>Smile 6's OLS and RidgeRegression call LAPACK/BLAS through the Foreign Function API and fail
 * with "Cannot open library: libopenblas.so" on machines without OpenBLAS, which the follower must
 * not require. Feature counts are small (tens to hundreds), so a Householder QR (ordinary least
 * squares) and a Cholesky solve of the ridge normal equations are fast enough.
 *
 * <p>As in scikit-learn, the intercept is fitted by centering and is not penalized.
 */
final class LeastSquares {
  /** Relative size of a QR pivot under which a column counts as a combination of the others. */
  private static final double RANK_TOLERANCE = 1e-10;

  /**
   * When columns are linearly dependent OLS has no unique solution; scikit-learn returns the
   * minimum-norm one (SVD). A vanishing ridge penalty converges to it.
   */
  private static final double RANK_DEFICIENT_RIDGE = 1e-9;

  private LeastSquares() {}

  /**
   * @param alpha the ridge penalty; 0 for ordinary least squares
   * @return the intercept followed by one coefficient per feature
   */
  static double[] fit(double[][] x, double[] y, double alpha, boolean fitIntercept) {
    Centered centered = Centered.of(x, y, fitIntercept);
    double[][] columns = centered.columns();
    double[] target = centered.target();
    int p = columns.length;
    double[] w = null;
    if (alpha == 0) {
      double[][] work = new double[p][];
      for (int j = 0; j < p; j++) {
        work[j] = columns[j].clone();
      }
      w = householderSolve(work, target.clone());
    }
    if (w == null) {
      double penalty = alpha;
      if (alpha == 0) {
        double maxDiagonal = 0;
        for (double[] column : columns) {
          maxDiagonal = Math.max(maxDiagonal, dot(column, column));
        }
        penalty = RANK_DEFICIENT_RIDGE * Math.max(maxDiagonal, 1.0);
      }
      w = ridgeSolve(columns, target, penalty);
    }
    return centered.coefficients(w);
  }

  /**
   * The features as columns and the target, both centered on their means when the intercept is
   * fitted (it is then not penalized, as in scikit-learn), else as given.
   */
  record Centered(double[][] columns, double[] target, double[] xMean, double yMean) {
    static Centered of(double[][] x, double[] y, boolean fitIntercept) {
      int n = x.length;
      int p = x[0].length;
      double[] xMean = new double[p];
      double yMean = 0;
      if (fitIntercept) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < p; j++) {
            xMean[j] += x[i][j];
          }
          yMean += y[i];
        }
        for (int j = 0; j < p; j++) {
          xMean[j] /= n;
        }
        yMean /= n;
      }
      double[][] columns = new double[p][n];
      double[] target = new double[n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < p; j++) {
          columns[j][i] = x[i][j] - xMean[j];
        }
        target[i] = y[i] - yMean;
      }
      return new Centered(columns, target, xMean, yMean);
    }

    /** The intercept followed by the weights {@code w} of the centered problem. */
    double[] coefficients(double[] w) {
      double[] coefficients = new double[w.length + 1];
      double intercept = yMean;
      for (int j = 0; j < w.length; j++) {
        coefficients[j + 1] = w[j];
        intercept -= w[j] * xMean[j];
      }
      coefficients[0] = intercept;
      return coefficients;
    }
  }

  /**
   * Solves min ||A w - b|| by Householder QR with column scaling. Destroys its arguments.
   *
   * @return null when A is rank deficient (or has fewer rows than columns)
   */
  private static double[] householderSolve(double[][] a, double[] b) {
    int p = a.length;
    int n = b.length;
    if (n < p) {
      return null;
    }
    double[] scale = new double[p];
    for (int j = 0; j < p; j++) {
      double norm = Math.sqrt(dot(a[j], a[j]));
      if (norm == 0) {
        return null;
      }
      scale[j] = norm;
      for (int i = 0; i < n; i++) {
        a[j][i] /= norm;
      }
    }
    double[] diagonal = new double[p];
    double[] v = new double[n];
    for (int k = 0; k < p; k++) {
      double norm = 0;
      for (int i = k; i < n; i++) {
        norm += a[k][i] * a[k][i];
      }
      norm = Math.sqrt(norm);
      if (norm <= RANK_TOLERANCE) {
        return null;
      }
      double alpha = a[k][k] > 0 ? -norm : norm;
      double vNorm2 = 0;
      for (int i = k; i < n; i++) {
        v[i] = a[k][i];
      }
      v[k] -= alpha;
      for (int i = k; i < n; i++) {
        vNorm2 += v[i] * v[i];
      }
      diagonal[k] = alpha;
      if (vNorm2 == 0) {
        continue;
      }
      for (int j = k + 1; j < p; j++) {
        reflect(v, a[j], k, vNorm2);
      }
      reflect(v, b, k, vNorm2);
    }
    double[] w = new double[p];
    for (int k = p - 1; k >= 0; k--) {
      double sum = b[k];
      for (int j = k + 1; j < p; j++) {
        sum -= a[j][k] * w[j];
      }
      w[k] = sum / diagonal[k];
    }
    for (int j = 0; j < p; j++) {
      w[j] /= scale[j];
    }
    return w;
  }

  private static void reflect(double[] v, double[] column, int from, double vNorm2) {
    double s = 0;
    for (int i = from; i < column.length; i++) {
      s += v[i] * column[i];
    }
    double factor = 2 * s / vNorm2;
    for (int i = from; i < column.length; i++) {
      column[i] -= factor * v[i];
    }
  }

  /** Solves (AᵀA + penalty·I) w = Aᵀb by Cholesky. */
  private static double[] ridgeSolve(double[][] a, double[] b, double penalty) {
    int p = a.length;
    double[][] gram = new double[p][p];
    double[] rhs = new double[p];
    for (int j = 0; j < p; j++) {
      for (int k = 0; k <= j; k++) {
        gram[j][k] = dot(a[j], a[k]);
      }
      gram[j][j] += penalty;
      rhs[j] = dot(a[j], b);
    }
    double[][] lower = new double[p][p];
    for (int j = 0; j < p; j++) {
      for (int k = 0; k <= j; k++) {
        double sum = gram[j][k];
        for (int m = 0; m < k; m++) {
          sum -= lower[j][m] * lower[k][m];
        }
        if (j == k) {
          if (!(sum > 0)) {
            throw new TrainerException(
                TrainerErrorCode.TRAINING_FAILED,
                "the features are linearly dependent and the system is singular: use ridge with a"
                    + " larger alpha, or leave out redundant columns");
          }
          lower[j][j] = Math.sqrt(sum);
        } else {
          lower[j][k] = sum / lower[k][k];
        }
      }
    }
    double[] z = new double[p];
    for (int j = 0; j < p; j++) {
      double sum = rhs[j];
      for (int m = 0; m < j; m++) {
        sum -= lower[j][m] * z[m];
      }
      z[j] = sum / lower[j][j];
    }
    double[] w = new double[p];
    for (int j = p - 1; j >= 0; j--) {
      double sum = z[j];
      for (int m = j + 1; m < p; m++) {
        sum -= lower[m][j] * w[m];
      }
      w[j] = sum / lower[j][j];
    }
    return w;
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
