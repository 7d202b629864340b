package io.pgmlfollower.trainer.preprocess;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One column's entry of {@code pgml.train}'s {@code preprocess}, PostgresML's options: {@code
 * impute} (what replaces NULL: {@code error}, the default, or the training rows' {@code mean},
 * {@code median}, {@code mode}, {@code min}, {@code max}, or {@code zero}), {@code scale} ({@code
 * preserve}, the default, {@code standard}, {@code min_max}, {@code max_abs}, {@code robust}) and
 * {@code encode} (how a text column becomes numbers: {@code ordinal}, the default for text, {@code
 * one_hot} or {@code target}; {@code none}, or PostgresML's {@code native}, leaves a numeric column
 * as it is).
 *
 * @param encode null when not given: ordinal for a text column, none for the others
 */
public record ColumnPreprocess(Impute impute, Scale scale, Encode encode) {
  public enum Impute {
    ERROR,
    MEAN,
    MEDIAN,
    MODE,
    MIN,
    MAX,
    ZERO
  }

  public enum Scale {
    PRESERVE,
    STANDARD,
    MIN_MAX,
    MAX_ABS,
    ROBUST
  }

  public enum Encode {
    NONE,
    ORDINAL,
    ONE_HOT,
    TARGET
  }

  public static final ColumnPreprocess NONE =
      new ColumnPreprocess(Impute.ERROR, Scale.PRESERVE, null);

  /**
   * Parses {@code preprocess}: column name to an object of options.
   *
   * @throws TrainerException INVALID_ARGUMENT naming the column and the option at fault
   */
  public static Map<String, ColumnPreprocess> parse(Map<String, Object> preprocess) {
    Map<String, ColumnPreprocess> columns = new LinkedHashMap<>();
    if (preprocess == null) {
      return columns;
    }
    for (Map.Entry<String, Object> entry : preprocess.entrySet()) {
      String column = entry.getKey();
      if (!(entry.getValue() instanceof Map<?, ?> options)) {
        throw invalid(
            "preprocess.%s must be an object such as {\"impute\": \"mean\", \"scale\": \"standard\"}"
                .formatted(column));
      }
      Impute impute = Impute.ERROR;
      Scale scale = Scale.PRESERVE;
      Encode encode = null;
      for (Map.Entry<?, ?> option : options.entrySet()) {
        String name = String.valueOf(option.getKey());
        String value = String.valueOf(option.getValue()).toUpperCase(Locale.ROOT);
        switch (name) {
          case "impute" -> impute = choice(column, name, value, Impute.class);
          case "scale" -> scale = choice(column, name, value, Scale.class);
          case "encode" ->
              encode = choice(column, name, value.equals("NATIVE") ? "NONE" : value, Encode.class);
          default ->
              throw invalid(
                  "preprocess.%s: unknown option '%s': valid options are encode, impute, scale"
                      .formatted(column, name));
        }
      }
      columns.put(column, new ColumnPreprocess(impute, scale, encode));
    }
    return columns;
  }

  private static <E extends Enum<E>> E choice(
      String column, String option, String value, Class<E> type) {
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      throw invalid(
          "preprocess.%s.%s must be one of %s, got '%s'"
              .formatted(
                  column,
                  option,
                  Arrays.stream(type.getEnumConstants())
                      .map(c -> c.name().toLowerCase(Locale.ROOT))
                      .collect(Collectors.joining(", ")),
                  value.toLowerCase(Locale.ROOT)));
    }
  }

  private static TrainerException invalid(String message) {
    return new TrainerException(TrainerErrorCode.INVALID_ARGUMENT, message);
  }

  /** Names of the columns whose NULLs are imputed (read as NaN rather than refused). */
  public static Set<String> imputed(Map<String, ColumnPreprocess> columns) {
    return columns.entrySet().stream()
        .filter(e -> e.getValue().impute() != Impute.ERROR)
        .map(Map.Entry::getKey)
        .collect(Collectors.toUnmodifiableSet());
  }
}
