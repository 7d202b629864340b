package io.pgmlfollower.trainer.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.pgmlfollower.trainer.TrainerException;
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

  /** A text column coded on categories [blue, green, red]: red, blue, red, green, NULL. */
  private static final double[][] COLORS = {{2, 10}, {0, 20}, {2, 30}, {1, 40}, {Double.NaN, 50}};

  private static final Map<String, List<String>> CATEGORIES =
      Map.of("color", List.of("blue", "green", "red"));

  private static final double[] Y = {1, 0, 1, 0, 1};

  private static FittedPreprocess encode(Map<String, Object> colorOptions) {
    return FittedPreprocess.fit(
        COLORS,
        List.of("color", "size"),
        ColumnPreprocess.parse(Map.of("color", colorOptions)),
        CATEGORIES,
        Y);
  }

  @Test
  void textColumnsAreOrdinalByDefaultOneHotOrTargetOnRequest() {
    FittedPreprocess ordinal =
        FittedPreprocess.fit(
            new double[][] {{2, 10}, {0, 20}},
            List.of("color", "size"),
            Map.of(),
            CATEGORIES,
            new double[] {1, 0});
    assertThat(ordinal.isIdentity()).isFalse();
    assertThat(ordinal.apply(new double[] {1, 7})).containsExactly(1, 7);
    assertThat(ordinal.categories()).isEqualTo(CATEGORIES);

    FittedPreprocess oneHot = encode(Map.of("encode", "one_hot", "impute", "mode"));
    assertThat(oneHot.apply(new double[] {2, 7})).containsExactly(0, 0, 1, 7);
    // An unknown category is all zeros (handle_unknown='ignore'); NULL takes the mode, red.
    assertThat(oneHot.apply(new double[] {FittedPreprocess.UNKNOWN, 7}))
        .containsExactly(0, 0, 0, 7);
    assertThat(oneHot.apply(new double[] {Double.NaN, 7})).containsExactly(0, 0, 1, 7);

    // Target: the mean target of each category's training rows (NULL rows count in the overall
    // mean only): blue 0, green 0, red 1; unknown → the mean of all rows, 3/5.
    FittedPreprocess target = encode(Map.of("encode", "target", "impute", "mode"));
    assertThat(target.apply(new double[] {0, 7})).containsExactly(0, 7);
    assertThat(target.apply(new double[] {2, 7})).containsExactly(1, 7);
    assertThat(target.apply(new double[] {FittedPreprocess.UNKNOWN, 7})).containsExactly(0.6, 7);
  }

  @Test
  void encodingsARowCannotTakeAreRefusedByName() {
    assertThatThrownBy(() -> encode(Map.of("encode", "none")))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("preprocess.color.encode")
        .hasMessageContaining("needs an encoding");
    assertThatThrownBy(() -> encode(Map.of("impute", "mean")))
        .hasMessageContaining("preprocess.color.impute")
        .hasMessageContaining("mode");
    assertThatThrownBy(() -> encode(Map.of("encode", "one_hot", "scale", "standard")))
        .hasMessageContaining("preprocess.color.scale");
    assertThatThrownBy(
            () ->
                FittedPreprocess.fit(
                    COLORS,
                    List.of("color", "size"),
                    ColumnPreprocess.parse(Map.of("color", Map.of("encode", "target"))),
                    CATEGORIES,
                    null))
        .hasMessageContaining("target encoding needs a target");
    assertThatThrownBy(
            () ->
                FittedPreprocess.fit(
                    COLORS,
                    List.of("color", "size"),
                    ColumnPreprocess.parse(Map.of("size", Map.of("encode", "one_hot"))),
                    CATEGORIES,
                    Y))
        .hasMessageContaining("preprocess.size.encode");
    FittedPreprocess ordinal = encode(Map.of());
    assertThatThrownBy(() -> ordinal.apply(new double[] {FittedPreprocess.UNKNOWN, 1}))
        .isInstanceOf(TrainerException.class)
        .hasMessageContaining("category training never saw");
    assertThatThrownBy(() -> ordinal.apply(new double[] {Double.NaN, 1}))
        .hasMessageContaining("\"impute\": \"mode\"");
  }

  @Test
  void theFittedEncodingSurvivesThePipelinesJson() {
    FittedPreprocess target = encode(Map.of("encode", "target", "impute", "mode"));
    io.pgmlfollower.trainer.deployment.Pipeline pipeline =
        new io.pgmlfollower.trainer.deployment.Pipeline(
                1,
                "classification",
                "xgboost",
                "public.t",
                null,
                List.of(
                    new io.pgmlfollower.trainer.deployment.Pipeline.Column("color", "text"),
                    new io.pgmlfollower.trainer.deployment.Pipeline.Column("size", "integer")),
                null,
                null,
                "estimator.ser")
            .withPreprocess(target);
    FittedPreprocess read =
        io.pgmlfollower.trainer.deployment.Pipeline.fromJson(pipeline.toJson()).preprocess();
    assertThat(read.categories()).isEqualTo(CATEGORIES);
    for (double code : new double[] {0, 1, 2, FittedPreprocess.UNKNOWN, Double.NaN}) {
      assertThat(read.apply(new double[] {code, 3}))
          .containsExactly(target.apply(new double[] {code, 3}));
    }
  }
}
