package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * Classification {@code lda} and {@code qda}: each class a Gaussian, with one covariance shared by
 * all classes (linear discriminant analysis) or one per class (quadratic), priors from the training
 * rows; a row goes to the class of highest posterior. Plain Java rather than Smile's: on iris Smile
 * 6's LDA scores 0.71 where scikit-learn scores 1.0 ({@code bench/training}), and it refuses a
 * constant column (digits' corner pixels) where scikit-learn ignores it. Here each variance gets a
 * ridge of 1e-6 of itself plus 1e-9 of the mean variance (so a constant column adds nothing), and
 * {@code reg_param} shrinks a class covariance towards the identity as scikit-learn's QDA does.
 */
final class GaussianDiscriminant implements ClassificationAlgorithm {
  private static final double RIDGE = 1e-6;

  private final boolean quadratic;

  private GaussianDiscriminant(boolean quadratic) {
    this.quadratic = quadratic;
  }

  static GaussianDiscriminant lda() {
    return new GaussianDiscriminant(false);
  }

  static GaussianDiscriminant qda() {
    return new GaussianDiscriminant(true);
  }

  @Override
  public String name() {
    return quadratic ? "qda" : "lda";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return quadratic ? Set.of("reg_param") : Set.of();
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    double regParam = quadratic ? hyperparameters.doubleValue("reg_param", 0, 0, true, 1) : 0;
    ClassMeans grouped = ClassMeans.of(x, y);
    int[] classes = grouped.classes();
    int k = classes.length;
    int p = x[0].length;
    double[] priors = grouped.counts();
    double[][] means = grouped.means();
    int[] label = grouped.label();
    double[][][] scatter = new double[quadratic ? k : 1][p][p];
    for (int i = 0; i < y.length; i++) {
      double[][] s = scatter[quadratic ? label[i] : 0];
      double[] mean = means[label[i]];
      for (int a = 0; a < p; a++) {
        double da = x[i][a] - mean[a];
        for (int b = 0; b <= a; b++) {
          s[a][b] += da * (x[i][b] - mean[b]);
        }
      }
    }
    double[][][] factors = new double[scatter.length][][];
    for (int s = 0; s < scatter.length; s++) {
      double divisor = quadratic ? Math.max(1, priors[s] - 1) : Math.max(1, y.length - k);
      double[][] covariance = scatter[s];
      double trace = 0;
      for (int a = 0; a < p; a++) {
        for (int b = 0; b <= a; b++) {
          covariance[a][b] /= divisor;
          covariance[b][a] = covariance[a][b];
        }
        trace += covariance[a][a];
      }
      // Relative to each variance (features of very different scales keep their shapes), plus a
      // trace of the mean variance that only matters for a constant column.
      double floor = 1e-9 * Math.max(trace / p, 1e-12);
      for (int a = 0; a < p; a++) {
        for (int b = 0; b < p; b++) {
          covariance[a][b] *= 1 - regParam;
        }
        covariance[a][a] += regParam + RIDGE * covariance[a][a] + floor;
      }
      factors[s] = cholesky(covariance);
    }
    for (int c = 0; c < k; c++) {
      priors[c] /= y.length;
    }
    return new Model(classes, priors, means, factors, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 4
        || !(parts[0] instanceof int[] classes)
        || !(parts[1] instanceof double[] priors)
        || !(parts[2] instanceof double[][] means)
        || !(parts[3] instanceof double[][][] factors)) {
      throw new IllegalArgumentException("expected a discriminant analysis model");
    }
    return new Model(classes, priors, means, factors, numClasses);
  }

  /** Lower-triangular L with L·Lᵀ = a (a symmetric positive definite). */
  private static double[][] cholesky(double[][] a) {
    int p = a.length;
    double[][] l = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int m = 0; m < j; m++) {
          sum -= l[i][m] * l[j][m];
        }
        if (i == j) {
          if (!(sum > 0)) {
            throw new IllegalArgumentException(
                "a covariance matrix is not positive definite (column " + i + ")");
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }

  /** The fitted Gaussians; immutable. */
  private static final class Model implements ClassificationEstimator {
    private final int[] classes;
    private final double[] priors;
    private final double[][] means;
    private final double[][][] factors;
    private final double[] halfLogDets;
    private final int numClasses;

    Model(int[] classes, double[] priors, double[][] means, double[][][] factors, int numClasses) {
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
      this.classes = classes;
      this.priors = priors;
      this.means = means;
      this.factors = factors;
      this.numClasses = numClasses;
      this.halfLogDets = new double[factors.length];
      for (int s = 0; s < factors.length; s++) {
        for (int i = 0; i < factors[s].length; i++) {
          halfLogDets[s] += Math.log(factors[s][i][i]);
        }
      }
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      int k = classes.length;
      int p = features.length;
      double[] scores = new double[k];
      double[] z = new double[p];
      double best = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        int s = factors.length == 1 ? 0 : c;
        double[][] l = factors[s];
        // Mahalanobis distance: solve L·z = x − μ, then ‖z‖².
        double distance = 0;
        for (int i = 0; i < p; i++) {
          double sum = features[i] - means[c][i];
          for (int m = 0; m < i; m++) {
            sum -= l[i][m] * z[m];
          }
          z[i] = sum / l[i][i];
          distance += z[i] * z[i];
        }
        scores[c] = Math.log(priors[c]) - 0.5 * distance - halfLogDets[s];
        best = Math.max(best, scores[c]);
      }
      double total = 0;
      for (int c = 0; c < k; c++) {
        scores[c] = Math.exp(scores[c] - best);
        total += scores[c];
      }
      Arrays.fill(probabilities, 0.0);
      int predicted = 0;
      for (int c = 0; c < k; c++) {
        probabilities[classes[c]] = scores[c] / total;
        if (scores[c] > scores[predicted]) {
          predicted = c;
        }
      }
      return classes[predicted];
    }

    /** Primitive arrays only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      return new Object[] {classes, priors, means, factors};
    }
  }
}
