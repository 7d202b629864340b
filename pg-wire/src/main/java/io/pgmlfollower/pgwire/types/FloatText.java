package io.pgmlfollower.pgwire.types;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
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
    double magnitude = Math.abs(value);
    return format(
        Double.toString(magnitude),
        value < 0,
        15,
        magnitude,
        Math.nextUp(magnitude),
        Math.nextDown(magnitude),
        17,
        Double.MIN_NORMAL);
  }

  static String formatFloat(float value) {
    if (Float.isNaN(value) || Float.isInfinite(value) || value == 0) {
      return special(value);
    }
    float magnitude = Math.abs(value);
    return format(
        Float.toString(magnitude),
        value < 0,
        6,
        magnitude,
        Math.nextUp(magnitude),
        Math.nextDown(magnitude),
        9,
        Float.MIN_NORMAL);
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

  private static String format(
      String shortest,
      boolean negative,
      int fixedLimit,
      double value,
      double up,
      double down,
      int maxDigits,
      double minNormal) {
    BigDecimal decimal = new BigDecimal(shortest).stripTrailingZeros();
    if (mayBeAMidpoint(decimal, value)) {
      decimal = insideBounds(decimal, value, up, down, maxDigits);
    } else if (decimal.precision() == 2 && value < minNormal) {
      decimal = oneDigit(decimal, value, up, down);
    }
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

  /**
   * Whether the decimal could lie exactly halfway between the value and a neighbour: a dyadic
   * rational, so {@code unscaled / 10^scale} must be divisible by {@code 5^scale}, or an integer at
   * least 2^24 (below that, neighbours are at most 1 apart and a midpoint is not an integer) when
   * the scale is not positive. A cheap filter before the exact check.
   */
  private static boolean mayBeAMidpoint(BigDecimal decimal, double value) {
    int scale = decimal.scale();
    if (scale <= 0) {
      return value >= 0x1p24;
    }
    if (scale > 26) {
      return false; // 5^27 exceeds every 17-digit unscaled value
    }
    long unscaled = decimal.unscaledValue().longValueExact();
    long power = 1;
    for (int i = 0; i < scale; i++) {
      power *= 5;
    }
    return unscaled % power == 0;
  }

  /**
   * Java prints at least two digits in exponential form ({@code 4.9E-324}); a subnormal value,
   * whose neighbours are far apart, may read back from one ({@code 5e-324}), which PostgreSQL
   * prints.
   */
  private static BigDecimal oneDigit(BigDecimal decimal, double value, double up, double down) {
    BigDecimal exact = new BigDecimal(value);
    BigDecimal candidate = exact.round(new MathContext(1, RoundingMode.HALF_EVEN));
    BigDecimal high = exact.add(new BigDecimal(up)).divide(BigDecimal.TWO);
    BigDecimal low = exact.add(new BigDecimal(down)).divide(BigDecimal.TWO);
    return candidate.compareTo(low) > 0 && candidate.compareTo(high) < 0
        ? candidate.stripTrailingZeros()
        : decimal;
  }

  /**
   * Java prints the shortest decimal that reads back to the value under round-half-even, a decimal
   * exactly halfway to a neighbour included; PostgreSQL's Ryu excludes the bounds ({@code
   * acceptBounds = false} in src/common/d2s.c and f2s.c) and prints more digits. For such a value:
   * the value rounded to the fewest more digits that land strictly between the two midpoints.
   */
  private static BigDecimal insideBounds(
      BigDecimal decimal, double value, double up, double down, int maxDigits) {
    BigDecimal exact = new BigDecimal(value);
    // Past the largest finite value the next one up is infinity: its bound is as far as the lower.
    BigDecimal above =
        Double.isInfinite(up)
            ? exact.add(exact.subtract(new BigDecimal(down)))
            : new BigDecimal(up);
    BigDecimal high = exact.add(above).divide(BigDecimal.TWO);
    BigDecimal low = exact.add(new BigDecimal(down)).divide(BigDecimal.TWO);
    if (decimal.compareTo(high) != 0 && decimal.compareTo(low) != 0) {
      return decimal;
    }
    for (int digits = decimal.precision() + 1; digits <= maxDigits; digits++) {
      BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (candidate.compareTo(low) > 0 && candidate.compareTo(high) < 0) {
        return candidate.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(maxDigits, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }
}
