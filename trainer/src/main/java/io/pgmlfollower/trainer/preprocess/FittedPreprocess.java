package io.pgmlfollower.trainer.preprocess;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The preprocessing fitted on the training rows, one step per feature column, stored with the model
 * ({@code pipeline.json}) and replayed on every prediction: a missing value (NaN, from NULL)
 * becomes the imputed value, then {@code (x − center) / scale}. Columns without preprocessing keep
 * {@code center 0, scale 1}, and refuse a missing value.
 *
 * @param columns one step per feature, in feature order
 */
public record FittedPreprocess(@JsonProperty("columns") List<Step> columns) {
  /**
   * @param impute the value a NULL becomes; null when NULL is refused
   */
  public record Step(
      @JsonProperty("name") String name,
      @JsonProperty("impute") Double impute,
      @JsonProperty("center") double center,
      @JsonProperty("scale") double scale) {}

  public FittedPreprocess {
    columns = List.copyOf(columns);
  }

  /**
   * Fits every feature's step on the training rows ({@code x}, NaN for NULL).
   *
   * @param names the feature names, in column order
   */
  public static FittedPreprocess fit(
      double[][] x, List<String> names, Map<String, ColumnPreprocess> options) {
    List<Step> steps = new ArrayList<>();
    for (int j = 0; j < names.size(); j++) {
      ColumnPreprocess option = options.getOrDefault(names.get(j), ColumnPreprocess.NONE);
      double[] present = column(x, j);
      Double impute =
          option.impute() == ColumnPreprocess.Impute.ERROR
              ? null
              : impute(present, option.impute(), names.get(j));
      double[] filled = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        filled[i] = Double.isNaN(x[i][j]) && impute != null ? impute : x[i][j];
      }
      double[] scaling = scaling(filled, option.scale());
      steps.add(new Step(names.get(j), impute, scaling[0], scaling[1]));
    }
    return new FittedPreprocess(steps);
  }

  /** Whether any step changes a value: a model without one stores none. */
  public boolean isIdentity() {
    return columns.stream().allMatch(s -> s.impute() == null && s.center() == 0 && s.scale() == 1);
  }

  public double[][] apply(double[][] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = apply(x[i]);
    }
    return out;
  }

  /**
   * @throws TrainerException NULL_VALUE for a missing value in a column that refuses NULL
   */
  public double[] apply(double[] row) {
    double[] out = new double[row.length];
    for (int j = 0; j < row.length; j++) {
      Step step = columns.get(j);
      double value = row[j];
      if (Double.isNaN(value)) {
        if (step.impute() == null) {
          throw new TrainerException(
              TrainerErrorCode.NULL_VALUE,
              ("feature \"%s\" is NULL: pass a value, or train with preprocess => '{\"%s\":"
                      + " {\"impute\": \"mean\"}}'")
                  .formatted(step.name(), step.name()));
        }
        value = step.impute();
      }
      out[j] = (value - step.center()) / step.scale();
    }
    return out;
  }

  private static double[] column(double[][] x, int j) {
    return Arrays.stream(x).mapToDouble(row -> row[j]).filter(v -> !Double.isNaN(v)).toArray();
  }

  private static double impute(double[] present, ColumnPreprocess.Impute how, String name) {
    if (how == ColumnPreprocess.Impute.ZERO) {
      return 0;
    }
    if (present.length == 0) {
      throw new TrainerException(
          TrainerErrorCode.TRAINING_FAILED,
          "feature \"%s\" is NULL in every training row: there is nothing to impute from"
              .formatted(name));
    }
    double[] sorted = present.clone();
    Arrays.sort(sorted);
    return switch (how) {
      case MEAN -> Arrays.stream(present).average().orElseThrow();
      case MEDIAN -> quantile(sorted, 0.5);
      case MIN -> sorted[0];
      case MAX -> sorted[sorted.length - 1];
      case MODE -> mode(sorted);
      case ZERO, ERROR -> throw new IllegalStateException(how.name());
    };
  }

  /** The most frequent value; the smallest of equally frequent ones (scikit-learn's choice). */
  private static double mode(double[] sorted) {
    double best = sorted[0];
    int bestCount = 0;
    for (int i = 0; i < sorted.length; ) {
      int j = i;
      while (j < sorted.length && sorted[j] == sorted[i]) {
        j++;
      }
      if (j - i > bestCount) {
        bestCount = j - i;
        best = sorted[i];
      }
      i = j;
    }
    return best;
  }

  /** Linear interpolation between order statistics, as numpy's default percentile. */
  private static double quantile(double[] sorted, double q) {
    double position = q * (sorted.length - 1);
    int below = (int) Math.floor(position);
    int above = (int) Math.ceil(position);
    return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
  }

  /** {center, scale} of scikit-learn's scaler of that name; scale 1 where it would be 0. */
  private static double[] scaling(double[] values, ColumnPreprocess.Scale how) {
    double[] finite = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
    if (how == ColumnPreprocess.Scale.PRESERVE || finite.length == 0) {
      return new double[] {0, 1};
    }
    double[] sorted = finite.clone();
    Arrays.sort(sorted);
    double[] scaling =
        switch (how) {
          case STANDARD -> {
            double mean = Arrays.stream(finite).average().orElseThrow();
            double variance =
                Arrays.stream(finite).map(v -> (v - mean) * (v - mean)).sum() / finite.length;
            yield new double[] {mean, Math.sqrt(variance)};
          }
          case MIN_MAX -> new double[] {sorted[0], sorted[sorted.length - 1] - sorted[0]};
          case MAX_ABS ->
              new double[] {0, Math.max(Math.abs(sorted[0]), Math.abs(sorted[sorted.length - 1]))};
          case ROBUST ->
              new double[] {quantile(sorted, 0.5), quantile(sorted, 0.75) - quantile(sorted, 0.25)};
          case PRESERVE -> new double[] {0, 1};
        };
    if (!(scaling[1] > 0)) {
      scaling[1] = 1;
    }
    return scaling;
  }
}
