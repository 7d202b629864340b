package io.pgmlfollower.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RegressionMetricsTest {
  @Test
  void matchesHandComputedValues() {
    // errors 0.5, -0.5, 0, -1; mean of actual 2.875; total sum of squares 29.1875
    Map<String, Double> metrics =
        RegressionMetrics.compute(new double[] {3, -0.5, 2, 7}, new double[] {2.5, 0.0, 2, 8});

    assertThat(metrics.get("mae")).isCloseTo(2.0 / 4, within(1e-12));
    assertThat(metrics.get("mse")).isCloseTo(1.5 / 4, within(1e-12));
    assertThat(metrics.get("rmse")).isCloseTo(Math.sqrt(1.5 / 4), within(1e-12));
    assertThat(metrics.get("r2")).isCloseTo(1 - 1.5 / 29.1875, within(1e-12));
  }

  @Test
  void r2IsNegativeWhenWorseThanTheMean() {
    Map<String, Double> metrics =
        RegressionMetrics.compute(new double[] {1, 2, 3}, new double[] {3, 2, 1});

    // residuals 4 + 0 + 4 = 8, total 2
    assertThat(metrics.get("r2")).isCloseTo(1 - 8.0 / 2, within(1e-12));
  }

  @Test
  void constantTargetScoresOneOnlyWhenPredictedExactly() {
    assertThat(RegressionMetrics.compute(new double[] {5, 5}, new double[] {5, 5}).get("r2"))
        .isEqualTo(1.0);
    assertThat(RegressionMetrics.compute(new double[] {5, 5}, new double[] {5, 6}).get("r2"))
        .isEqualTo(0.0);
  }
}
