package io.pgmlfollower.serving.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Conversions of argument values (literals and bound parameters, as pg-wire decodes them) to what
 * pgml functions take. Text forms follow PostgreSQL's input syntax ({@code '{1,2.5}'} for arrays,
 * {@code t/true/on/1} for booleans) because psycopg and node-postgres send arrays as text.
 */
final class Values {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private Values() {}

  static Object convert(Object value, PgType target, String what) throws PgWireException {
    if (value == null) {
      return null;
    }
    return switch (target) {
      case FLOAT4_ARRAY,
          FLOAT8_ARRAY,
          INT2_ARRAY,
          INT4_ARRAY,
          INT8_ARRAY,
          NUMERIC_ARRAY,
          BOOL_ARRAY ->
          toFeatures(value, what);
      case FLOAT4, FLOAT8, NUMERIC -> toDouble(value, what);
      case INT2, INT4, INT8 -> toLong(value, what);
      case BOOL -> toBoolean(value, what);
      case TEXT, VARCHAR, UNKNOWN -> toText(value, what);
      case JSON, JSONB -> toText(value, what);
      default -> value;
    };
  }

  static double toDouble(Object value, String what) throws PgWireException {
    return switch (value) {
      case Number n -> n.doubleValue();
      case Boolean b -> b ? 1.0 : 0.0;
      case String s -> parseDouble(s.trim(), what);
      default -> throw mismatch(value, "a number", what);
    };
  }

  static long toLong(Object value, String what) throws PgWireException {
    return switch (value) {
      case Long l -> l;
      case Integer i -> i;
      case Short sh -> sh;
      case Number n when n.doubleValue() == Math.rint(n.doubleValue()) -> (long) n.doubleValue();
      case String text -> parseLong(text.trim(), what);
      default -> throw mismatch(value, "an integer", what);
    };
  }

  private static long parseLong(String text, String what) throws PgWireException {
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "%s: invalid input syntax for type bigint: \"%s\"".formatted(what, abbreviate(text)));
    }
  }

  static String toText(Object value, String what) throws PgWireException {
    return switch (value) {
      case String s -> s;
      case Number n -> n.toString();
      case Boolean b -> b.toString();
      default -> throw mismatch(value, "text", what);
    };
  }

  static boolean toBoolean(Object value, String what) throws PgWireException {
    return switch (value) {
      case Boolean b -> b;
      case Number n -> n.doubleValue() != 0;
      case String s -> parseBoolean(s.trim(), what);
      default -> throw mismatch(value, "a boolean", what);
    };
  }

  /** real[], float8[], int[], bool[], numeric[] or their text form, as doubles. */
  static double[] toFeatures(Object value, String what) throws PgWireException {
    switch (value) {
      case double[] d -> {
        return d;
      }
      case float[] f -> {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
          d[i] = f[i];
        }
        return d;
      }
      case int[] ints -> {
        double[] d = new double[ints.length];
        for (int i = 0; i < ints.length; i++) {
          d[i] = ints[i];
        }
        return d;
      }
      case long[] longs -> {
        double[] d = new double[longs.length];
        for (int i = 0; i < longs.length; i++) {
          d[i] = longs[i];
        }
        return d;
      }
      case boolean[] bools -> {
        double[] d = new double[bools.length];
        for (int i = 0; i < bools.length; i++) {
          d[i] = bools[i] ? 1 : 0;
        }
        return d;
      }
      case String[] strings -> {
        double[] d = new double[strings.length];
        for (int i = 0; i < strings.length; i++) {
          d[i] = elementValue(strings[i], i, what);
        }
        return d;
      }
      case Object[] objects -> {
        double[] d = new double[objects.length];
        for (int i = 0; i < objects.length; i++) {
          if (objects[i] == null) {
            throw nullElement(i, what);
          }
          d[i] = toDouble(objects[i], what);
        }
        return d;
      }
      case String text -> {
        return parseArray(text.trim(), what);
      }
      default -> throw mismatch(value, "an array of numbers", what);
    }
  }

  static Map<String, Object> toJsonObject(Object value, String what) throws PgWireException {
    if (value == null) {
      return Map.of();
    }
    if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> cast = (Map<String, Object>) map;
      return cast;
    }
    String text = toText(value, what);
    try {
      Map<String, Object> parsed = JSON.readValue(text, MAP);
      return parsed == null ? Map.of() : parsed;
    } catch (JsonProcessingException e) {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "%s: invalid JSON object: %s".formatted(what, e.getOriginalMessage()),
          "pass a JSON object, e.g. '{\"n_estimators\": 50}'");
    }
  }

  private static double[] parseArray(String text, String what) throws PgWireException {
    if (text.length() < 2 || text.charAt(0) != '{' || text.charAt(text.length() - 1) != '}') {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "%s: malformed array literal: \"%s\"".formatted(what, abbreviate(text)),
          "write arrays as ARRAY[1.0, 2.0] or '{1.0,2.0}'");
    }
    String body = text.substring(1, text.length() - 1).trim();
    if (body.isEmpty()) {
      return new double[0];
    }
    String[] parts = body.split(",", -1);
    double[] values = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = elementValue(parts[i].trim(), i, what);
    }
    return values;
  }

  private static double elementValue(String element, int index, String what)
      throws PgWireException {
    if (element == null || element.equalsIgnoreCase("NULL")) {
      throw nullElement(index, what);
    }
    String unquoted =
        element.length() >= 2 && element.startsWith("\"") && element.endsWith("\"")
            ? element.substring(1, element.length() - 1)
            : element;
    if (unquoted.equals("t") || unquoted.equals("true")) {
      return 1;
    }
    if (unquoted.equals("f") || unquoted.equals("false")) {
      return 0;
    }
    return parseDouble(unquoted, what);
  }

  private static double parseDouble(String text, String what) throws PgWireException {
    try {
      return switch (text.toLowerCase(java.util.Locale.ROOT)) {
        case "nan" -> Double.NaN;
        case "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
        case "-infinity" -> Double.NEGATIVE_INFINITY;
        default -> new BigDecimal(text).doubleValue();
      };
    } catch (NumberFormatException e) {
      throw new PgWireException(
          SqlState.INVALID_TEXT_REPRESENTATION,
          "%s: invalid input syntax for type double precision: \"%s\""
              .formatted(what, abbreviate(text)));
    }
  }

  private static boolean parseBoolean(String text, String what) throws PgWireException {
    return switch (text.toLowerCase(java.util.Locale.ROOT)) {
      case "t", "true", "on", "yes", "y", "1" -> true;
      case "f", "false", "off", "no", "n", "0" -> false;
      default ->
          throw new PgWireException(
              SqlState.INVALID_TEXT_REPRESENTATION,
              "%s: invalid input syntax for type boolean: \"%s\""
                  .formatted(what, abbreviate(text)));
    };
  }

  private static PgWireException nullElement(int index, String what) {
    return new PgWireException(
        SqlState.NULL_VALUE_NOT_ALLOWED,
        "%s: element %d is NULL".formatted(what, index + 1),
        "features must not be NULL; replace missing values before predicting");
  }

  private static PgWireException mismatch(Object value, String expected, String what) {
    return new PgWireException(
        SqlState.DATATYPE_MISMATCH,
        "%s: expected %s, got %s".formatted(what, expected, value.getClass().getSimpleName()));
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }
}
