package io.pgmlfollower.trainer.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each imputation and scaler, fitted as scikit-learn's of the same name would be. */
class FittedPreprocessTest {
  /** One column: 1, 2, 2, 3, 10, and a NULL (NaN). */
  private static final double[][] X = {{1}, {2}, {2}, {3}, {10}, {Double.NaN}};

  private static FittedPreprocess.Step fit(String impute, String scale) {
    return FittedPreprocess.fit(
            X,
            List.of("x"),
            ColumnPreprocess.parse(Map.of("x", Map.of("impute", impute, "scale", scale))))
        .columns()
        .getFirst();
  }

  @Test
  void imputationsTakeTheirStatisticFromThePresentValues() {
    assertThat(fit("mean", "preserve").impute()).isEqualTo(18.0 / 5);
    assertThat(fit("median", "preserve").impute()).isEqualTo(2.0);
    assertThat(fit("mode", "preserve").impute()).isEqualTo(2.0);
    assertThat(fit("min", "preserve").impute()).isEqualTo(1.0);
    assertThat(fit("max", "preserve").impute()).isEqualTo(10.0);
    assertThat(fit("zero", "preserve").impute()).isEqualTo(0.0);
  }

  @Test
  void scalersMatchScikitLearns() {
    // After imputing the median (2): values 1, 2, 2, 3, 10, 2.
    FittedPreprocess.Step standard = fit("median", "standard");
    double mean = 20.0 / 6;
    double variance =
        (Math.pow(1 - mean, 2)
                + 3 * Math.pow(2 - mean, 2)
                + Math.pow(3 - mean, 2)
                + Math.pow(10 - mean, 2))
            / 6;
    assertThat(standard.center()).isCloseTo(mean, within(1e-12));
    assertThat(standard.scale()).isCloseTo(Math.sqrt(variance), within(1e-12));
    FittedPreprocess.Step minMax = fit("median", "min_max");
    assertThat(new double[] {minMax.center(), minMax.scale()}).containsExactly(1, 9);
    FittedPreprocess.Step maxAbs = fit("median", "max_abs");
    assertThat(new double[] {maxAbs.center(), maxAbs.scale()}).containsExactly(0, 10);
    // Sorted 1, 2, 2, 2, 3, 10: median 2, quartiles 2 and 2.75 (numpy's linear interpolation).
    FittedPreprocess.Step robust = fit("median", "robust");
    assertThat(new double[] {robust.center(), robust.scale()}).containsExactly(2, 0.75);
  }

  @Test
  void applyImputesThenScales() {
    FittedPreprocess fitted =
        FittedPreprocess.fit(
            X,
            List.of("x"),
            ColumnPreprocess.parse(Map.of("x", Map.of("impute", "max", "scale", "max_abs"))));
    assertThat(fitted.apply(new double[] {Double.NaN})).containsExactly(1.0);
    assertThat(fitted.apply(new double[] {5})).containsExactly(0.5);
    assertThat(fitted.isIdentity()).isFalse();
  }
}
