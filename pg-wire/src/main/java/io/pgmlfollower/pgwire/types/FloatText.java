package io.pgmlfollower.pgwire.types;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Text form of {@code real} and {@code double precision} as PostgreSQL 12+ writes it with {@code
 * extra_float_digits >= 1} (the default, and what every driver asks for): the shortest decimal that
 * reads back to the same binary value (Ryu in PostgreSQL, {@link Double#toString} since JDK 19), in
 * fixed notation for decimal exponents in [-4, 15) for double and [-4, 6) for real, else
 * exponential with a signed, at least two-digit exponent: {@code 1e+15}, {@code 1.5e-05}. See
 * float8out_internal / double_to_shortest_decimal_bufn in PostgreSQL's src/common/d2s.c.
 */
final class FloatText {
  private FloatText() {}

  static String formatDouble(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value) || value == 0) {
      return special(value);
    }
    return format(Double.toString(Math.abs(value)), value < 0, 15);
  }

  static String formatFloat(float value) {
    if (Float.isNaN(value) || Float.isInfinite(value) || value == 0) {
      return special(value);
    }
    return format(Float.toString(Math.abs(value)), value < 0, 6);
  }

  /** Parses what float8in accepts: decimal, exponent, NaN, [+-]Infinity/inf, around spaces. */
  static double parse(String text) throws NumberFormatException {
    String trimmed = text.strip();
    switch (trimmed.toLowerCase(Locale.ROOT)) {
      case "nan":
        return Double.NaN;
      case "infinity", "+infinity", "inf", "+inf":
        return Double.POSITIVE_INFINITY;
      case "-infinity", "-inf":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    if (trimmed.isEmpty() || !isDecimal(trimmed)) {
      throw new NumberFormatException(text);
    }
    return Double.parseDouble(trimmed);
  }

  private static boolean isDecimal(String text) {
    // Double.parseDouble also takes hex floats and f/d suffixes, which float8in refuses.
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(Character.isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static String special(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    if (Double.isInfinite(value)) {
      return value > 0 ? "Infinity" : "-Infinity";
    }
    return 1 / value < 0 ? "-0" : "0";
  }

  private static String format(String shortest, boolean negative, int fixedLimit) {
    BigDecimal decimal = new BigDecimal(shortest).stripTrailingZeros();
    String digits = decimal.unscaledValue().toString();
    int exponent = digits.length() - 1 - decimal.scale();
    StringBuilder out = new StringBuilder(digits.length() + 8);
    if (negative) {
      out.append('-');
    }
    if (exponent < -4 || exponent >= fixedLimit) {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exponent < 0 ? '-' : '+');
      int magnitude = Math.abs(exponent);
      if (magnitude < 10) {
        out.append('0');
      }
      out.append(magnitude);
    } else {
      out.append(decimal.toPlainString());
    }
    return out.toString();
  }
}
