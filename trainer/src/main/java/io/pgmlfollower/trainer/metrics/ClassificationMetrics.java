package io.pgmlfollower.trainer.metrics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Holdout metrics of a classifier, named as PostgresML stores them in {@code pgml.models.metrics}:
 * {@code accuracy}, {@code precision}, {@code recall}, {@code f1} (the key metric); for binary
 * problems also {@code roc_auc}, {@code log_loss} and {@code mcc}.
 *
 * <p>Binary problems score class 1 (the larger label) as the positive class; multi-class problems
 * report macro averages over the classes present in the actual or predicted values, as
 * scikit-learn's {@code average='macro'}. A ratio whose denominator is zero counts as 0
 * (scikit-learn's {@code zero_division} default). {@code roc_auc} is left out when the holdout has
 * a single class, where it is undefined.
 */
public final class ClassificationMetrics {
  /** scikit-learn's {@code log_loss} clips probabilities to avoid log(0). */
  private static final double LOG_LOSS_EPSILON = 1e-15;

  private ClassificationMetrics() {}

  /**
   * @param actual class indices 0..numClasses-1
   * @param predicted class indices 0..numClasses-1
   * @param probabilities per row, the probability of each class
   */
  /** Counts of (actual, predicted) class pairs: rows actual, columns predicted. */
  public static long[][] confusionMatrix(int[] actual, int[] predicted, int numClasses) {
    long[][] confusion = new long[numClasses][numClasses];
    for (int i = 0; i < actual.length; i++) {
      confusion[actual[i]][predicted[i]]++;
    }
    return confusion;
  }

  public static Map<String, Double> compute(
      int[] actual, int[] predicted, double[][] probabilities, int numClasses) {
    int n = actual.length;
    if (n == 0 || predicted.length != n || probabilities.length != n) {
      throw new IllegalArgumentException("need one prediction and probability vector per row");
    }
    if (numClasses < 2) {
      throw new IllegalArgumentException("need at least two classes");
    }
    long[][] confusion = confusionMatrix(actual, predicted, numClasses);
    long correct = 0;
    for (int c = 0; c < numClasses; c++) {
      correct += confusion[c][c];
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", (double) correct / n);
    if (numClasses == 2) {
      long tp = confusion[1][1];
      long fp = confusion[0][1];
      long fn = confusion[1][0];
      long tn = confusion[0][0];
      double precision = ratio(tp, tp + fp);
      double recall = ratio(tp, tp + fn);
      metrics.put("precision", precision);
      metrics.put("recall", recall);
      metrics.put("f1", f1(precision, recall));
      double[] positive = new double[n];
      for (int i = 0; i < n; i++) {
        positive[i] = probabilities[i][1];
      }
      double auc = rocAuc(actual, positive);
      if (!Double.isNaN(auc)) {
        metrics.put("roc_auc", auc);
      }
      metrics.put("log_loss", logLoss(actual, probabilities));
      metrics.put("mcc", mcc(tp, fp, fn, tn));
    } else {
      double precisionSum = 0;
      double recallSum = 0;
      double f1Sum = 0;
      int present = 0;
      for (int c = 0; c < numClasses; c++) {
        long tp = confusion[c][c];
        long actualCount = 0;
        long predictedCount = 0;
        for (int k = 0; k < numClasses; k++) {
          actualCount += confusion[c][k];
          predictedCount += confusion[k][c];
        }
        if (actualCount == 0 && predictedCount == 0) {
          continue;
        }
        present++;
        double precision = ratio(tp, predictedCount);
        double recall = ratio(tp, actualCount);
        precisionSum += precision;
        recallSum += recall;
        f1Sum += f1(precision, recall);
      }
      metrics.put("precision", precisionSum / present);
      metrics.put("recall", recallSum / present);
      metrics.put("f1", f1Sum / present);
    }
    return metrics;
  }

  /**
   * Area under the ROC curve as the Mann-Whitney U statistic: the probability that a random
   * positive scores above a random negative, ties counting one half (average ranks).
   *
   * @return NaN when only one class is present
   */
  static double rocAuc(int[] actual, double[] positiveScore) {
    int n = actual.length;
    Integer[] order = new Integer[n];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, Comparator.comparingDouble(i -> positiveScore[i]));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && positiveScore[order[j + 1]] == positiveScore[order[i]]) {
        j++;
      }
      double averageRank = (i + j) / 2.0 + 1; // ranks are 1-based
      for (int k = i; k <= j; k++) {
        if (actual[order[k]] == 1) {
          positiveRankSum += averageRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (positiveRankSum - positives * (positives + 1) / 2.0) / (positives * negatives);
  }

  static double logLoss(int[] actual, double[][] probabilities) {
    double sum = 0;
    for (int i = 0; i < actual.length; i++) {
      double p = probabilities[i][actual[i]];
      p = Math.min(Math.max(p, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
      sum -= Math.log(p);
    }
    return sum / actual.length;
  }

  private static double mcc(long tp, long fp, long fn, long tn) {
    double denominator =
        Math.sqrt((double) (tp + fp) * (tp + fn) * (double) (tn + fp) * (double) (tn + fn));
    return denominator == 0 ? 0.0 : ((double) tp * tn - (double) fp * fn) / denominator;
  }

  private static double ratio(long numerator, long denominator) {
    return denominator == 0 ? 0.0 : (double) numerator / denominator;
  }

  private static double f1(double precision, double recall) {
    return precision + recall == 0 ? 0.0 : 2 * precision * recall / (precision + recall);
  }
}
