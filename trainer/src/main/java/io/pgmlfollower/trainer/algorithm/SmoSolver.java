package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

/**
 * libsvm's dual solver (Fan, Chen and Lin, "Working set selection using second order information
 * for training support vector machines", JMLR 2005; libsvm's {@code Solver} class,
 * https://www.csie.ntu.edu.tw/~cjlin/libsvm/): sequential minimal optimization of
 *
 * <pre>
 *   min ½ αᵀQα + pᵀα   subject to  yᵀα = 0,  0 ≤ αᵢ ≤ C,  yᵢ = ±1,
 * </pre>
 *
 * picking each pair by the maximal violating first index and the second-order (WSS3) second index,
 * stopping when the largest KKT violation is below {@code tol}. Unlike libsvm it does not shrink
 * the active set: shrinking only saves time, and without it the solver is simpler (no gradient
 * reconstruction); the result meets the same stopping criterion. Rows of Q come from a {@link
 * Matrix} that computes them on demand through a bounded cache.
 */
final class SmoSolver {
  /** libsvm's TAU: the curvature used when the pair's is not positive (non-PSD kernels). */
  private static final double TAU = 1e-12;

  /**
   * Kernel rows are cached up to this many bytes (scikit-learn's default cache_size is 200 MB).
   * Rows are floats, as libsvm's {@code Qfloat}: half the memory, and the same rounding as libsvm.
   */
  private static final long CACHE_BYTES = 64L << 20;

  /** The Q matrix seen by the solver: rows on demand, the diagonal up front. */
  interface Matrix {
    /**
     * Row {@code i} of Q, length {@link #size()}; valid until the next-but-one call (libsvm's
     * contract: the solver holds two rows at a time).
     */
    float[] row(int i);

    double diagonal(int i);

    int size();
  }

  /**
   * The solver's hyperparameters under scikit-learn's names: {@code C} 1.0 (lower-cased, as the
   * trainer reads every name), {@code tol} 1e-3, {@code max_iter} −1 (no limit but libsvm's cap).
   */
  record Options(double c, double tol, int maxIter) {
    static final String C = "c";
    static final String TOL = "tol";
    static final String MAX_ITER = "max_iter";

    static Options of(HyperParameters hyperparameters) {
      return new Options(
          hyperparameters.doubleValue(C, 1.0, 0, false, Double.MAX_VALUE),
          hyperparameters.doubleValue(TOL, 1e-3, 0, false, Double.MAX_VALUE),
          hyperparameters.intValue(MAX_ITER, -1, -1, Integer.MAX_VALUE));
    }
  }

  /**
   * @param alpha the dual solution
   * @param gradient Qα + p at the solution (the training decision values follow from it)
   * @param rho the offset: the decision function is Σ yᵢαᵢK(xᵢ, x) − rho
   * @param iterations the pair updates done
   */
  record Solution(double[] alpha, double[] gradient, double rho, int iterations) {}

  private SmoSolver() {}

  /** SVC's Q: Qᵢⱼ = yᵢyⱼK(xᵢ, xⱼ) over the rows of one pair of classes. */
  static Matrix classification(SvmKernel kernel, double[][] x, byte[] y) {
    requireNonNull(kernel, "kernel is null");
    int n = x.length;
    RowCache cache =
        new RowCache(
            n,
            (i, row) -> {
              for (int j = 0; j < n; j++) {
                row[j] = (float) (y[i] * y[j] * kernel.apply(x[i], x[j]));
              }
            });
    double[] diagonal = new double[n];
    for (int i = 0; i < n; i++) {
      diagonal[i] = kernel.apply(x[i], x[i]);
    }
    return new Matrix() {
      @Override
      public float[] row(int i) {
        return cache.row(i);
      }

      @Override
      public double diagonal(int i) {
        return diagonal[i];
      }

      @Override
      public int size() {
        return n;
      }
    };
  }

  /**
   * ε-SVR's Q over 2l variables (libsvm's {@code SVR_Q}): variable k < l is αₖ with sign +1, k ≥ l
   * is αₖ₋ₗ* with sign −1, and Qₖₘ = sₖsₘK(x_{k mod l}, x_{m mod l}). Only the l × l kernel rows
   * are cached; the signed rows of length 2l are built into two alternating buffers.
   */
  static Matrix regression(SvmKernel kernel, double[][] x) {
    requireNonNull(kernel, "kernel is null");
    int l = x.length;
    RowCache cache =
        new RowCache(
            l,
            (i, row) -> {
              for (int j = 0; j < l; j++) {
                row[j] = (float) kernel.apply(x[i], x[j]);
              }
            });
    double[] diagonal = new double[l];
    for (int i = 0; i < l; i++) {
      diagonal[i] = kernel.apply(x[i], x[i]);
    }
    float[][] buffers = new float[2][2 * l];
    return new Matrix() {
      private int next;

      @Override
      public float[] row(int k) {
        float[] kernelRow = cache.row(k % l);
        float[] buffer = buffers[next];
        next = 1 - next;
        boolean positive = k < l;
        for (int m = 0; m < l; m++) {
          buffer[m] = positive ? kernelRow[m] : -kernelRow[m];
          buffer[m + l] = positive ? -kernelRow[m] : kernelRow[m];
        }
        return buffer;
      }

      @Override
      public double diagonal(int k) {
        return diagonal[k % l];
      }

      @Override
      public int size() {
        return 2 * l;
      }
    };
  }

  /**
   * Rows of a square matrix computed on demand and kept, least recently used first out, within
   * {@link #CACHE_BYTES} (at least two rows: the solver holds two at a time), so that a few
   * thousand rows need not the full matrix. Evicted arrays are reused. Single-threaded.
   */
  static final class RowCache {
    interface Filler {
      void fill(int i, float[] row);
    }

    private final Filler filler;
    private final int capacity;
    private final float[][] rows;
    // A doubly linked list of the cached row indices, most recently used after the head (n).
    private final int[] previous;
    private final int[] following;
    private final int head;
    private int cached;

    RowCache(int n, Filler filler) {
      this.filler = requireNonNull(filler, "filler is null");
      this.capacity = (int) Math.clamp(CACHE_BYTES / (4L * Math.max(n, 1)), 2, Math.max(n, 2));
      this.rows = new float[n][];
      this.previous = new int[n + 1];
      this.following = new int[n + 1];
      this.head = n;
      previous[head] = head;
      following[head] = head;
    }

    float[] row(int i) {
      float[] row = rows[i];
      if (row != null) {
        unlink(i);
      } else {
        if (cached == capacity) {
          int eldest = previous[head];
          unlink(eldest);
          row = rows[eldest];
          rows[eldest] = null;
        } else {
          row = new float[rows.length];
          cached++;
        }
        filler.fill(i, row);
        rows[i] = row;
      }
      // Most recently used: right after the head.
      previous[i] = head;
      following[i] = following[head];
      previous[following[head]] = i;
      following[head] = i;
      return row;
    }

    private void unlink(int i) {
      following[previous[i]] = following[i];
      previous[following[i]] = previous[i];
    }
  }

  /**
   * Options' {@code maxIter} is the iteration limit, or −1 for libsvm's own safety cap (max(10⁷,
   * 100·n)); when reached the current solution is returned, as libsvm does.
   */
  static Solution solve(Matrix q, double[] p, byte[] y, Options options) {
    requireNonNull(q, "q is null");
    double c = options.c();
    double tol = options.tol();
    int maxIter = options.maxIter();
    int n = q.size();
    double[] alpha = new double[n];
    double[] gradient = p.clone(); // α = 0: the gradient is p
    double[] diagonal = new double[n];
    for (int i = 0; i < n; i++) {
      diagonal[i] = q.diagonal(i);
    }
    long cap = maxIter >= 0 ? maxIter : Math.max(10_000_000L, 100L * n);
    int iterations = 0;
    int[] pair = new int[2];
    while (iterations < cap && selectWorkingSet(q, gradient, alpha, y, c, diagonal, tol, pair)) {
      iterations++;
      int i = pair[0];
      int j = pair[1];
      float[] qi = q.row(i);
      float[] qj = q.row(j);
      double oldI = alpha[i];
      double oldJ = alpha[j];
      // The two-variable subproblem solved analytically, then clipped to the box (libsvm).
      if (y[i] != y[j]) {
        double curvature = positive(diagonal[i] + diagonal[j] + 2 * qi[j]);
        double delta = (-gradient[i] - gradient[j]) / curvature;
        double diff = alpha[i] - alpha[j];
        alpha[i] += delta;
        alpha[j] += delta;
        if (diff > 0) {
          if (alpha[j] < 0) {
            alpha[j] = 0;
            alpha[i] = diff;
          }
        } else if (alpha[i] < 0) {
          alpha[i] = 0;
          alpha[j] = -diff;
        }
        if (diff > 0) {
          if (alpha[i] > c) {
            alpha[i] = c;
            alpha[j] = c - diff;
          }
        } else if (alpha[j] > c) {
          alpha[j] = c;
          alpha[i] = c + diff;
        }
      } else {
        double curvature = positive(diagonal[i] + diagonal[j] - 2 * qi[j]);
        double delta = (gradient[i] - gradient[j]) / curvature;
        double sum = alpha[i] + alpha[j];
        alpha[i] -= delta;
        alpha[j] += delta;
        if (sum > c) {
          if (alpha[i] > c) {
            alpha[i] = c;
            alpha[j] = sum - c;
          }
        } else if (alpha[j] < 0) {
          alpha[j] = 0;
          alpha[i] = sum;
        }
        if (sum > c) {
          if (alpha[j] > c) {
            alpha[j] = c;
            alpha[i] = sum - c;
          }
        } else if (alpha[i] < 0) {
          alpha[i] = 0;
          alpha[j] = sum;
        }
      }
      double deltaI = alpha[i] - oldI;
      double deltaJ = alpha[j] - oldJ;
      for (int k = 0; k < n; k++) {
        gradient[k] += qi[k] * deltaI + qj[k] * deltaJ;
      }
    }
    return new Solution(alpha, gradient, rho(gradient, alpha, y, c), iterations);
  }

  private static double positive(double curvature) {
    return curvature > 0 ? curvature : TAU;
  }

  /**
   * WSS3: i maximizes −yᵢ∇ᵢ over the indices that may move up, j minimizes the second-order
   * decrease of the objective among those that may move down with a positive violation. False when
   * the maximal violation is below {@code tol}: optimal.
   */
  private static boolean selectWorkingSet(
      Matrix q,
      double[] gradient,
      double[] alpha,
      byte[] y,
      double c,
      double[] diagonal,
      double tol,
      int[] pair) {
    int n = gradient.length;
    double gMax = Double.NEGATIVE_INFINITY;
    int maxIndex = -1;
    for (int t = 0; t < n; t++) {
      if (y[t] == 1) {
        if (alpha[t] < c && -gradient[t] >= gMax) {
          gMax = -gradient[t];
          maxIndex = t;
        }
      } else if (alpha[t] > 0 && gradient[t] >= gMax) {
        gMax = gradient[t];
        maxIndex = t;
      }
    }
    if (maxIndex == -1) {
      return false;
    }
    int i = maxIndex;
    float[] qi = q.row(i);
    double gMax2 = Double.NEGATIVE_INFINITY;
    int minIndex = -1;
    double minObjective = Double.POSITIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      double gradientDiff;
      double curvature;
      if (y[j] == 1) {
        if (alpha[j] <= 0) {
          continue;
        }
        gMax2 = Math.max(gMax2, gradient[j]);
        gradientDiff = gMax + gradient[j];
        curvature = diagonal[i] + diagonal[j] - 2.0 * y[i] * qi[j];
      } else {
        if (alpha[j] >= c) {
          continue;
        }
        gMax2 = Math.max(gMax2, -gradient[j]);
        gradientDiff = gMax - gradient[j];
        curvature = diagonal[i] + diagonal[j] + 2.0 * y[i] * qi[j];
      }
      if (gradientDiff > 0) {
        double objective = -(gradientDiff * gradientDiff) / positive(curvature);
        if (objective <= minObjective) {
          minIndex = j;
          minObjective = objective;
        }
      }
    }
    if (gMax + gMax2 < tol || minIndex == -1) {
      return false;
    }
    pair[0] = i;
    pair[1] = minIndex;
    return true;
  }

  /**
   * libsvm's {@code calculate_rho}: the mean of yᵢ∇ᵢ over the free variables (0 < αᵢ < C), where
   * KKT makes it exact; with none free, the midpoint of the interval the bounded ones allow.
   */
  private static double rho(double[] gradient, double[] alpha, byte[] y, double c) {
    int free = 0;
    double sumFree = 0;
    double upper = Double.POSITIVE_INFINITY;
    double lower = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < gradient.length; i++) {
      double yg = y[i] * gradient[i];
      if (alpha[i] >= c) {
        if (y[i] == -1) {
          upper = Math.min(upper, yg);
        } else {
          lower = Math.max(lower, yg);
        }
      } else if (alpha[i] <= 0) {
        if (y[i] == 1) {
          upper = Math.min(upper, yg);
        } else {
          lower = Math.max(lower, yg);
        }
      } else {
        free++;
        sumFree += yg;
      }
    }
    return free > 0 ? sumFree / free : (upper + lower) / 2;
  }
}
