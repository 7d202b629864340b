package io.pgmlfollower.trainer.algorithm;

/**
 * scikit-learn's Lasso and ElasticNet solver in plain Java: cyclic coordinate descent on {@code
 * (1/2n)‖y − Xw‖² + α·l1_ratio·‖w‖₁ + (α/2)(1 − l1_ratio)‖w‖²}, stopped by the duality gap the way
 * scikit-learn's {@code enet_coordinate_descent} is (<a
 * href="https://github.com/scikit-learn/scikit-learn/blob/main/sklearn/linear_model/_cd_fast.pyx">_cd_fast.pyx</a>):
 * after a sweep whose largest update is below {@code tol} times the largest weight, or after the
 * last one, it stops once the gap is below {@code tol·‖y‖²}. The intercept is fitted by centering
 * and not penalized.
 *
 * <p>Smile's LASSO and ElasticNet call BLAS through the Foreign Function API and fail with "Cannot
 * open library: libopenblas.so" where OpenBLAS is not installed, which the follower must not
 * require (see {@link LeastSquares}); they also penalize standardized features, where scikit-learn
 * penalizes the features as given.
 */
final class ElasticNetDescent {
  private ElasticNetDescent() {}

  /**
   * @param alpha the penalty's weight, above 0
   * @param l1Ratio the L1 share of the penalty, in (0, 1]; 1 is the lasso
   * @return the intercept followed by one coefficient per feature
   */
  static double[] fit(
      double[][] x, double[] y, double alpha, double l1Ratio, int maxIter, double tol) {
    LeastSquares.Centered centered = LeastSquares.Centered.of(x, y, true);
    double[][] columns = centered.columns();
    double[] target = centered.target();
    int p = columns.length;
    int n = target.length;
    // The objective times n, as scikit-learn scales it: penalties l1 and l2 on the sum of squares.
    double l1 = alpha * l1Ratio * n;
    double l2 = alpha * (1 - l1Ratio) * n;
    double[] norms = new double[p];
    for (int j = 0; j < p; j++) {
      norms[j] = LeastSquares.dot(columns[j], columns[j]);
    }
    double[] w = new double[p];
    double[] residual = target.clone();
    double gapTolerance = tol * LeastSquares.dot(target, target);
    for (int iteration = 0; iteration < maxIter; iteration++) {
      double largestWeight = 0;
      double largestUpdate = 0;
      for (int j = 0; j < p; j++) {
        if (norms[j] == 0) {
          continue;
        }
        double[] column = columns[j];
        double old = w[j];
        double rho = LeastSquares.dot(column, residual) + norms[j] * old;
        double updated = Math.signum(rho) * Math.max(Math.abs(rho) - l1, 0) / (norms[j] + l2);
        if (updated != old) {
          double change = updated - old;
          for (int i = 0; i < n; i++) {
            residual[i] -= change * column[i];
          }
          w[j] = updated;
        }
        largestUpdate = Math.max(largestUpdate, Math.abs(updated - old));
        largestWeight = Math.max(largestWeight, Math.abs(updated));
      }
      boolean settled = largestWeight == 0 || largestUpdate / largestWeight < tol;
      if ((settled || iteration == maxIter - 1)
          && dualityGap(columns, target, residual, w, l1, l2) < gapTolerance) {
        break;
      }
    }
    return centered.coefficients(w);
  }

  /** The primal objective minus a dual one at a feasible point scaled from the residual. */
  private static double dualityGap(
      double[][] columns, double[] target, double[] residual, double[] w, double l1, double l2) {
    double dualNorm = 0;
    double l1Norm = 0;
    double wNorm2 = 0;
    for (int j = 0; j < columns.length; j++) {
      dualNorm = Math.max(dualNorm, Math.abs(LeastSquares.dot(columns[j], residual) - l2 * w[j]));
      l1Norm += Math.abs(w[j]);
      wNorm2 += w[j] * w[j];
    }
    double residualNorm2 = LeastSquares.dot(residual, residual);
    double scale = 1;
    double gap = residualNorm2;
    if (dualNorm > l1) {
      scale = l1 / dualNorm;
      gap = 0.5 * (residualNorm2 + residualNorm2 * scale * scale);
    }
    return gap
        + l1 * l1Norm
        - scale * LeastSquares.dot(residual, target)
        + 0.5 * l2 * (1 + scale * scale) * wNorm2;
  }
}
