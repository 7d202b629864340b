package io.pgmlfollower.trainer.algorithm;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Set;

/**
 * Classification {@code naive_bayes}: Gaussian naive Bayes as scikit-learn's GaussianNB: per class
 * a prior (its share of the training rows) and, per feature, a mean and a variance (ddof 0) to
 * which {@code var_smoothing} (default 1e-9) times the largest feature variance is added; a row
 * goes to the class of highest joint log-likelihood.
 */
final class GaussianNaiveBayes implements ClassificationAlgorithm {
  private static final String VAR_SMOOTHING = "var_smoothing";

  @Override
  public String name() {
    return "naive_bayes";
  }

  @Override
  public Set<String> hyperparameterNames() {
    return Set.of(VAR_SMOOTHING);
  }

  @Override
  public ClassificationEstimator fit(
      double[][] x, int[] y, int numClasses, HyperParameters hyperparameters, long seed) {
    double smoothing = hyperparameters.doubleValue(VAR_SMOOTHING, 1e-9, 0, true, 1);
    ClassMeans grouped = ClassMeans.of(x, y);
    int[] classes = grouped.classes();
    int k = classes.length;
    int p = x[0].length;
    double[] priors = grouped.counts();
    double[][] means = grouped.means();
    double[][] variances = new double[k][p];
    int[] label = grouped.label();
    for (int i = 0; i < y.length; i++) {
      for (int j = 0; j < p; j++) {
        double d = x[i][j] - means[label[i]][j];
        variances[label[i]][j] += d * d;
      }
    }
    double largest = 0;
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
      largest = Math.max(largest, variance / x.length);
    }
    double epsilon = smoothing * largest;
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < p; j++) {
        variances[c][j] = variances[c][j] / priors[c] + epsilon;
      }
      priors[c] /= y.length;
    }
    return new Model(classes, priors, means, variances, numClasses);
  }

  @Override
  public ClassificationEstimator restore(Object artifact, int numClasses) {
    if (!(artifact instanceof Object[] parts)
        || parts.length != 4
        || !(parts[0] instanceof int[] classes)
        || !(parts[1] instanceof double[] priors)
        || !(parts[2] instanceof double[][] means)
        || !(parts[3] instanceof double[][] variances)) {
      throw new IllegalArgumentException("expected a naive Bayes model");
    }
    return new Model(classes, priors, means, variances, numClasses);
  }

  /** The fitted class Gaussians; immutable. */
  private record Model(
      int[] classes, double[] priors, double[][] means, double[][] variances, int numClasses)
      implements ClassificationEstimator {
    Model {
      for (int label : classes) {
        if (label < 0 || label >= numClasses) {
          throw new IllegalArgumentException(
              "class %d outside 0..%d".formatted(label, numClasses - 1));
        }
      }
    }

    @Override
    public int predict(double[] features, double[] probabilities) {
      int k = classes.length;
      double[] scores = new double[k];
      double best = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        double score = Math.log(priors[c]);
        for (int j = 0; j < features.length; j++) {
          double d = features[j] - means[c][j];
          score -= 0.5 * (Math.log(2 * Math.PI * variances[c][j]) + d * d / variances[c][j]);
        }
        scores[c] = score;
        best = Math.max(best, score);
      }
      int predicted = 0;
      for (int c = 1; c < k; c++) {
        if (scores[c] > scores[predicted]) {
          predicted = c;
        }
      }
      double total = 0;
      for (int c = 0; c < k; c++) {
        scores[c] = Math.exp(scores[c] - best);
        total += scores[c];
      }
      Arrays.fill(probabilities, 0.0);
      for (int c = 0; c < k; c++) {
        probabilities[classes[c]] = scores[c] / total;
      }
      return classes[predicted];
    }

    /** Primitive arrays only: what the artifact codec admits. */
    @Override
    public Serializable artifact() {
      return new Object[] {classes, priors, means, variances};
    }
  }
}
