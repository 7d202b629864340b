package io.pgmlfollower.trainer.algorithm;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.trainer.TrainerErrorCode;
import io.pgmlfollower.trainer.TrainerException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hyperparameters a user passed for one algorithm, checked by name on construction and by type
 * and range when read. Names are PostgresML's (scikit-learn's); a JSON {@code null} selects the
 * default.
 */
public final class HyperParameters {
  private final String algorithm;
  private final Map<String, Object> values;

  private HyperParameters(String algorithm, Map<String, Object> values) {
    this.algorithm = algorithm;
    this.values = values;
  }

  /**
   * @throws TrainerException INVALID_HYPERPARAMETER naming the valid names when a name is unknown
   */
  public static HyperParameters of(Algorithm algorithm, Map<String, Object> given) {
    requireNonNull(algorithm, "algorithm is null");
    requireNonNull(given, "given is null");
    Set<String> valid = algorithm.hyperparameterNames();
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : given.entrySet()) {
      String name = entry.getKey().toLowerCase(Locale.ROOT);
      if (!valid.contains(name)) {
        throw new TrainerException(
            TrainerErrorCode.INVALID_HYPERPARAMETER,
            "unknown hyperparameter '%s' for %s %s: %s"
                .formatted(
                    entry.getKey(),
                    algorithm.task().sqlName(),
                    algorithm.name(),
                    valid.isEmpty()
                        ? "it takes none"
                        : "valid names are " + String.join(", ", new TreeSet<>(valid))));
      }
      if (entry.getValue() != null) {
        values.put(name, entry.getValue());
      }
    }
    return new HyperParameters(algorithm.name(), Collections.unmodifiableMap(values));
  }

  /**
   * The value as given (a JSON number, string, boolean, array or object), or null when absent: for
   * hyperparameters whose type depends on the value, e.g. {@code max_features} ({@code sqrt}, a
   * count or a fraction).
   */
  public Object raw(String name) {
    return values.get(name);
  }

  /** An integer in {@code [min, max]}. Integral JSON numbers and numeric strings are accepted. */
  public int intValue(String name, int defaultValue, int min, int max) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    double number = number(name, value, "an integer");
    if (number != Math.rint(number) || number < min || number > max) {
      throw invalid(name, value, "an integer from %d to %d".formatted(min, max));
    }
    return (int) number;
  }

  /**
   * A number in the range; {@code minInclusive} false excludes {@code min} itself, e.g. a learning
   * rate must be above 0.
   */
  public double doubleValue(
      String name, double defaultValue, double min, boolean minInclusive, double max) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    double number = number(name, value, "a number");
    boolean aboveMin = minInclusive ? number >= min : number > min;
    if (!aboveMin || number > max || Double.isNaN(number)) {
      throw invalid(
          name,
          value,
          "a number %s %s and at most %s"
              .formatted(minInclusive ? "from" : "above", format(min), format(max)));
    }
    return number;
  }

  public boolean booleanValue(String name, boolean defaultValue) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean bool) {
      return bool;
    }
    if (value instanceof String text
        && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(text);
    }
    throw invalid(name, value, "true or false");
  }

  /**
   * A list of integers each in {@code [min, max]}, as scikit-learn's {@code hidden_layer_sizes}: a
   * JSON array ({@code [50, 20]}), a single integer standing for a one-element list ({@code 100}),
   * or a string of comma-separated integers, optionally in brackets or parentheses ({@code "(50,
   * 20)"}, as a Python tuple is written). An empty list is allowed.
   */
  public int[] intList(String name, int[] defaultValue, int min, int max) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue.clone();
    }
    String expected = "a list of integers from %d to %d".formatted(min, max);
    List<?> items;
    if (value instanceof Collection<?> collection) {
      items = new ArrayList<>(collection); // not List.copyOf: a null element is an error here
    } else if (value instanceof int[] array) {
      items = Arrays.stream(array).boxed().toList();
    } else if (value instanceof Object[] array) {
      items = Arrays.asList(array);
    } else if (value instanceof String text) {
      String inner = text.strip();
      if (inner.length() >= 2
          && ((inner.startsWith("[") && inner.endsWith("]"))
              || (inner.startsWith("(") && inner.endsWith(")")))) {
        inner = inner.substring(1, inner.length() - 1);
      }
      items =
          Arrays.stream(inner.split(",", -1))
              .map(String::strip)
              .filter(item -> !item.isEmpty())
              .toList();
    } else {
      items = List.of(value);
    }
    int[] result = new int[items.size()];
    for (int i = 0; i < result.length; i++) {
      Object item = items.get(i);
      if (item == null) {
        throw invalid(name, value, expected);
      }
      double number = number(name, item, expected);
      if (number != Math.rint(number) || number < min || number > max) {
        throw invalid(name, value, expected);
      }
      result[i] = (int) number;
    }
    return result;
  }

  /**
   * Whether the value is the word {@code text} (case-insensitive): for a number that may also be
   * given as a keyword, such as {@code batch_size}'s {@code auto}.
   */
  public boolean isText(String name, String text) {
    return values.get(name) instanceof String given && given.strip().equalsIgnoreCase(text);
  }

  /** One of {@code choices}, compared case-insensitively; returned in lower case. */
  public String choice(String name, String defaultValue, Set<String> choices) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    String text = value.toString().toLowerCase(Locale.ROOT);
    if (!choices.contains(text)) {
      throw invalid(name, value, "one of " + String.join(", ", new TreeSet<>(choices)));
    }
    return text;
  }

  /**
   * A hyperparameter that is either one of {@code choices} or a number, as scikit-learn's SVM
   * {@code gamma} ('scale', 'auto' or a float): the choice in lower case ({@code defaultValue} when
   * absent), or null when a number was given, which {@link #doubleValue} then reads and checks.
   */
  public String choiceOrNumber(String name, String defaultValue, Set<String> choices) {
    Object value = values.get(name);
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof String text && choices.contains(text.toLowerCase(Locale.ROOT))) {
      return text.toLowerCase(Locale.ROOT);
    }
    number(name, value, "one of " + String.join(", ", new TreeSet<>(choices)) + " or a number");
    return null;
  }

  private double number(String name, Object value, String expected) {
    if (value instanceof Number number) {
      return number.doubleValue();
    }
    if (value instanceof String text) {
      try {
        return Double.parseDouble(text.strip());
      } catch (NumberFormatException e) {
        throw invalid(name, value, expected);
      }
    }
    throw invalid(name, value, expected);
  }

  private TrainerException invalid(String name, Object value, String expected) {
    return new TrainerException(
        TrainerErrorCode.INVALID_HYPERPARAMETER,
        "hyperparameter %s of %s must be %s, got %s".formatted(name, algorithm, expected, value));
  }

  private static String format(double value) {
    if (value == Double.MAX_VALUE || value == Double.POSITIVE_INFINITY) {
      return "infinity";
    }
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }
}
