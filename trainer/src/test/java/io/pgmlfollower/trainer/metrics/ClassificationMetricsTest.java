package io.pgmlfollower.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {
  private static double[][] binaryProbabilities(double... positive) {
    double[][] probabilities = new double[positive.length][];
    for (int i = 0; i < positive.length; i++) {
      probabilities[i] = new double[] {1 - positive[i], positive[i]};
    }
    return probabilities;
  }

  @Test
  void binaryMetricsMatchHandComputedValues() {
    int[] actual = {0, 0, 1, 1, 1};
    int[] predicted = {0, 1, 1, 1, 0};
    double[][] probabilities = binaryProbabilities(0.1, 0.6, 0.8, 0.7, 0.4);

    Map<String, Double> metrics =
        ClassificationMetrics.compute(actual, predicted, probabilities, 2);

    // tp 2, fp 1, fn 1, tn 1
    assertThat(metrics.get("accuracy")).isCloseTo(0.6, within(1e-12));
    assertThat(metrics.get("precision")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(metrics.get("recall")).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(metrics.get("f1")).isCloseTo(2.0 / 3, within(1e-12));
    // positives 0.8, 0.7, 0.4 vs negatives 0.1, 0.6: 5 of 6 pairs ordered right
    assertThat(metrics.get("roc_auc")).isCloseTo(5.0 / 6, within(1e-12));
    double logLoss =
        -(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.7) + Math.log(0.4)) / 5;
    assertThat(metrics.get("log_loss")).isCloseTo(logLoss, within(1e-12));
    // (tp*tn - fp*fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = 1 / 6
    assertThat(metrics.get("mcc")).isCloseTo(1.0 / 6, within(1e-12));
  }

  @Test
  void rocAucCountsTiesAsHalf() {
    // positives 0.5, 0.9 vs negatives 0.5, 0.2: pairs 0.5, 1, 1, 1
    assertThat(
            ClassificationMetrics.rocAuc(new int[] {0, 1, 0, 1}, new double[] {0.5, 0.5, 0.2, 0.9}))
        .isCloseTo(3.5 / 4, within(1e-12));
  }

  @Test
  void rocAucIsLeftOutWhenTheHoldoutHasOneClass() {
    Map<String, Double> metrics =
        ClassificationMetrics.compute(
            new int[] {1, 1}, new int[] {1, 0}, binaryProbabilities(0.9, 0.3), 2);

    assertThat(metrics).doesNotContainKey("roc_auc").containsKey("log_loss");
    assertThat(metrics.get("recall")).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void noPredictedPositivesGivesZeroPrecisionNotNaN() {
    Map<String, Double> metrics =
        ClassificationMetrics.compute(
            new int[] {0, 1}, new int[] {0, 0}, binaryProbabilities(0.2, 0.3), 2);

    assertThat(metrics.get("precision")).isEqualTo(0.0);
    assertThat(metrics.get("f1")).isEqualTo(0.0);
    assertThat(metrics.get("accuracy")).isEqualTo(0.5);
  }

  @Test
  void multiClassUsesMacroAverages() {
    int[] actual = {0, 1, 2, 0, 1, 2};
    int[] predicted = {0, 2, 1, 0, 0, 1};
    double[][] probabilities = new double[6][3];

    Map<String, Double> metrics =
        ClassificationMetrics.compute(actual, predicted, probabilities, 3);

    // class 0: precision 2/3, recall 1, f1 0.8; classes 1 and 2: all 0
    assertThat(metrics.get("accuracy")).isCloseTo(2.0 / 6, within(1e-12));
    assertThat(metrics.get("precision")).isCloseTo((2.0 / 3) / 3, within(1e-12));
    assertThat(metrics.get("recall")).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(metrics.get("f1")).isCloseTo(0.8 / 3, within(1e-12));
    assertThat(metrics).doesNotContainKeys("roc_auc", "log_loss");
  }

  @Test
  void macroAverageSkipsClassesAbsentFromHoldoutAndPredictions() {
    int[] actual = {0, 1, 0, 1};
    int[] predicted = {0, 1, 0, 1};

    Map<String, Double> metrics =
        ClassificationMetrics.compute(actual, predicted, new double[4][3], 3);

    assertThat(metrics.get("f1")).isEqualTo(1.0);
  }
}
