package io.pgmlfollower.trainer.preprocess;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * becomes the imputed value, a text column's category (its index in the step's {@code categories},
 * {@link #UNKNOWN} for a value training never saw) is encoded, then {@code (x − center) / scale}.
 * Columns without preprocessing keep {@code center 0, scale 1}, and refuse a missing value.
 *
 * <p>Encodings of a text column, as PostgresML's: {@code ordinal} (the default) is the category's
 * index in sorted order; {@code one_hot} is one 0/1 value per category (an unknown category is all
 * zeros, as scikit-learn's {@code handle_unknown='ignore'}; not scaled); {@code target} is the mean
 * target of the training rows of that category (the class index for a classification; the mean of
 * all training rows for a category none of them had, or an unknown one). An unknown category with
 * {@code ordinal} is refused unless the column imputes.
 *
 * @param columns one step per feature, in feature order
 */
public record FittedPreprocess(@JsonProperty("columns") List<Step> columns) {
  /** The code of a text value that is not among a column's categories. */
  public static final double UNKNOWN = -1;

  /**
   * @param impute the value a NULL becomes (a category code for a text column); null when NULL is
   *     refused
   * @param encode {@code ordinal}, {@code one_hot} or {@code target} for a text column; null for
   *     the others
   * @param categories a text column's categories, in code order; null for the others
   * @param targets {@code target} encoding's value per category
   * @param fallback {@code target} encoding's value of an unknown category
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Step(
      @JsonProperty("name") String name,
      @JsonProperty("impute") Double impute,
      @JsonProperty("center") double center,
      @JsonProperty("scale") double scale,
      @JsonProperty("encode") String encode,
      @JsonProperty("categories") List<String> categories,
      @JsonProperty("targets") double[] targets,
      @JsonProperty("fallback") Double fallback) {
    public Step(String name, Double impute, double center, double scale) {
      this(name, impute, center, scale, null, null, null, null);
    }

    /** How many values the step gives the model: one, or one per category for one_hot. */
    int width() {
      return ONE_HOT.equals(encode) ? categories.size() : 1;
    }
  }

  private static final String ORDINAL = "ordinal";
  private static final String ONE_HOT = "one_hot";
  private static final String TARGET = "target";

  public FittedPreprocess {
    columns = List.copyOf(columns);
  }

  /** As {@link #fit(double[][], List, Map, Map, double[])} for numeric features only. */
  public static FittedPreprocess fit(
      double[][] x, List<String> names, Map<String, ColumnPreprocess> options) {
    return fit(x, names, options, Map.of(), null);
  }

  /**
   * Fits every feature's step on the training rows ({@code x}, NaN for NULL).
   *
   * @param names the feature names, in column order
   * @param categories the text features' categories by name (their codes in {@code x})
   * @param y the training rows' targets (class indexes for a classification), for {@code target}
   *     encoding; null when the task has none
   * @throws TrainerException INVALID_ARGUMENT for an option the column's type cannot take
   */
  public static FittedPreprocess fit(
      double[][] x,
      List<String> names,
      Map<String, ColumnPreprocess> options,
      Map<String, List<String>> categories,
      double[] y) {
    List<Step> steps = new ArrayList<>();
    for (int j = 0; j < names.size(); j++) {
      String name = names.get(j);
      ColumnPreprocess option = options.getOrDefault(name, ColumnPreprocess.NONE);
      List<String> columnCategories = categories.get(name);
      if (columnCategories != null) {
        steps.add(fitCategorical(x, j, name, option, columnCategories, y));
        continue;
      }
      if (option.encode() != null && option.encode() != ColumnPreprocess.Encode.NONE) {
        throw invalid(
            "preprocess.%s.encode: %s encodes text columns, and \"%s\" is not one: leave encode out"
                .formatted(name, lower(option.encode()), name));
      }
      double[] present = column(x, j);
      Double impute =
          option.impute() == ColumnPreprocess.Impute.ERROR
              ? null
              : impute(present, option.impute(), name);
      double[] filled = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        filled[i] = Double.isNaN(x[i][j]) && impute != null ? impute : x[i][j];
      }
      double[] scaling = scaling(filled, option.scale());
      steps.add(new Step(name, impute, scaling[0], scaling[1]));
    }
    return new FittedPreprocess(steps);
  }

  private static Step fitCategorical(
      double[][] x,
      int j,
      String name,
      ColumnPreprocess option,
      List<String> categories,
      double[] y) {
    ColumnPreprocess.Encode encode =
        option.encode() == null ? ColumnPreprocess.Encode.ORDINAL : option.encode();
    if (encode == ColumnPreprocess.Encode.NONE) {
      throw invalid(
          "preprocess.%s.encode: \"%s\" is a text column and needs an encoding: ordinal (the"
                  .formatted(name, name)
              + " default), one_hot or target");
    }
    if (option.impute() != ColumnPreprocess.Impute.ERROR
        && option.impute() != ColumnPreprocess.Impute.MODE) {
      throw invalid(
          "preprocess.%s.impute: a text column imputes its most frequent category (mode), not %s"
              .formatted(name, lower(option.impute())));
    }
    double[] present = column(x, j);
    Double impute =
        option.impute() == ColumnPreprocess.Impute.MODE
            ? impute(present, ColumnPreprocess.Impute.MODE, name)
            : null;
    double[] codes = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      codes[i] = Double.isNaN(x[i][j]) && impute != null ? impute : x[i][j];
    }
    return switch (encode) {
      case ORDINAL -> {
        double[] scaling = scaling(codes, option.scale());
        yield new Step(name, impute, scaling[0], scaling[1], ORDINAL, categories, null, null);
      }
      case ONE_HOT -> {
        if (option.scale() != ColumnPreprocess.Scale.PRESERVE) {
          throw invalid(
              "preprocess.%s.scale: one_hot values are 0 or 1 and are not scaled; leave scale out"
                  .formatted(name));
        }
        yield new Step(name, impute, 0, 1, ONE_HOT, categories, null, null);
      }
      case TARGET -> {
        if (y == null) {
          throw invalid(
              "preprocess.%s.encode: target encoding needs a target, and this task has none"
                  .formatted(name));
        }
        double[] sums = new double[categories.size()];
        int[] counts = new int[categories.size()];
        double total = 0;
        for (int i = 0; i < codes.length; i++) {
          total += y[i];
          if (!Double.isNaN(codes[i])) {
            sums[(int) codes[i]] += y[i];
            counts[(int) codes[i]]++;
          }
        }
        double mean = total / codes.length;
        double[] targets = new double[categories.size()];
        for (int c = 0; c < targets.length; c++) {
          targets[c] = counts[c] == 0 ? mean : sums[c] / counts[c];
        }
        double[] encoded = new double[codes.length];
        for (int i = 0; i < codes.length; i++) {
          encoded[i] = Double.isNaN(codes[i]) ? Double.NaN : targets[(int) codes[i]];
        }
        double[] scaling = scaling(encoded, option.scale());
        yield new Step(name, impute, scaling[0], scaling[1], TARGET, categories, targets, mean);
      }
      case NONE -> throw new IllegalStateException("refused above");
    };
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static TrainerException invalid(String message) {
    return new TrainerException(TrainerErrorCode.INVALID_ARGUMENT, message);
  }

  /** Whether any step changes a value: a model without one stores none. */
  public boolean isIdentity() {
    return columns.stream()
        .allMatch(
            s -> s.encode() == null && s.impute() == null && s.center() == 0 && s.scale() == 1);
  }

  /**
   * A text value's code among a column's categories: its index, found by binary search (the
   * categories are sorted in {@code String} order), or {@link #UNKNOWN}.
   */
  public static double code(List<String> categories, String value) {
    int at = java.util.Collections.binarySearch(categories, value);
    return at >= 0 ? at : UNKNOWN;
  }

  /** The categories of the text features, by name: how a row's text values become codes. */
  public Map<String, List<String>> categories() {
    Map<String, List<String>> categories = new java.util.LinkedHashMap<>();
    for (Step step : columns) {
      if (step.categories() != null) {
        categories.put(step.name(), step.categories());
      }
    }
    return categories;
  }

  public double[][] apply(double[][] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = apply(x[i]);
    }
    return out;
  }

  /**
   * @throws TrainerException NULL_VALUE for a missing value in a column that refuses NULL;
   *     INVALID_ARGUMENT for an unknown category an ordinal column cannot encode
   */
  public double[] apply(double[] row) {
    int width = 0;
    for (Step step : columns) {
      width += step.width();
    }
    double[] out = new double[width];
    int at = 0;
    for (int j = 0; j < row.length; j++) {
      Step step = columns.get(j);
      double value = row[j];
      if (Double.isNaN(value)) {
        if (step.impute() == null) {
          throw new TrainerException(
              TrainerErrorCode.NULL_VALUE,
              ("feature \"%s\" is NULL: pass a value, or train with preprocess => '{\"%s\":"
                      + " {\"impute\": \"%s\"}}'")
                  .formatted(step.name(), step.name(), step.encode() == null ? "mean" : "mode"));
        }
        value = step.impute();
      }
      if (step.encode() == null) {
        out[at++] = (value - step.center()) / step.scale();
        continue;
      }
      int code = (int) value;
      boolean known = value == code && code >= 0 && code < step.categories().size();
      switch (step.encode()) {
        case ONE_HOT -> {
          if (known) {
            out[at + code] = 1;
          }
          at += step.categories().size();
        }
        case TARGET ->
            out[at++] =
                ((known ? step.targets()[code] : step.fallback()) - step.center()) / step.scale();
        default -> {
          if (!known) {
            if (step.impute() == null) {
              throw new TrainerException(
                  TrainerErrorCode.INVALID_ARGUMENT,
                  ("feature \"%s\" has a category training never saw: ordinal encoding cannot place"
                          + " it; impute it (\"impute\": \"mode\") or encode one_hot or target")
                      .formatted(step.name()));
            }
            value = step.impute();
          }
          out[at++] = (value - step.center()) / step.scale();
        }
      }
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
