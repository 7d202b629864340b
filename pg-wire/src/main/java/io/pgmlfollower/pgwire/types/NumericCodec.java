package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code numeric}: plain decimal text; binary is base-10000 digits with a weight, a sign word and
 * the display scale (numeric_send in PostgreSQL's src/backend/utils/adt/numeric.c). Java values are
 * {@link BigDecimal}; a double NaN or infinity is written as numeric NaN / Infinity.
 */
final class NumericCodec implements TypeCodec {
  private static final int POSITIVE = 0x0000;
  private static final int NEGATIVE = 0x4000;
  private static final int NAN = 0xC000;
  private static final int POSITIVE_INFINITY = 0xD000;
  private static final int NEGATIVE_INFINITY = 0xF000;
  private static final BigInteger TEN_THOUSAND = BigInteger.valueOf(10_000);

  @Override
  public PgType type() {
    return PgType.NUMERIC;
  }

  @Override
  public String typeName() {
    return "numeric";
  }

  @Override
  public int typeLength() {
    return -1;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    if (isSpecial(value)) {
      return FloatText.formatDouble(((Number) value).doubleValue());
    }
    return toBigDecimal(value).toPlainString();
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    if (isSpecial(value)) {
      double d = ((Number) value).doubleValue();
      int sign = Double.isNaN(d) ? NAN : d > 0 ? POSITIVE_INFINITY : NEGATIVE_INFINITY;
      out.appendShort((short) 0).appendShort((short) 0).appendShort((short) sign);
      out.appendShort((short) 0);
      return;
    }
    BigDecimal decimal = toBigDecimal(value);
    int displayScale = Math.max(decimal.scale(), 0);
    String plain = decimal.abs().setScale(displayScale).toPlainString();
    int point = plain.indexOf('.');
    String integerPart = point < 0 ? plain : plain.substring(0, point);
    String fractionPart = point < 0 ? "" : plain.substring(point + 1);
    if (integerPart.equals("0")) {
      integerPart = "";
    }
    // Align both parts on base-10000 digit boundaries around the decimal point.
    int integerGroups = (integerPart.length() + 3) / 4;
    integerPart = "0".repeat(integerGroups * 4 - integerPart.length()) + integerPart;
    int fractionGroups = (fractionPart.length() + 3) / 4;
    fractionPart = fractionPart + "0".repeat(fractionGroups * 4 - fractionPart.length());
    String aligned = integerPart + fractionPart;
    List<Integer> digits = new ArrayList<>();
    for (int i = 0; i < aligned.length(); i += 4) {
      digits.add(Integer.parseInt(aligned.substring(i, i + 4)));
    }
    int weight = integerGroups - 1;
    while (!digits.isEmpty() && digits.getFirst() == 0) {
      digits.removeFirst();
      weight--;
    }
    while (!digits.isEmpty() && digits.getLast() == 0) {
      digits.removeLast();
    }
    if (digits.isEmpty()) {
      weight = 0;
    }
    out.appendShort((short) digits.size());
    out.appendShort((short) weight);
    out.appendShort((short) (decimal.signum() < 0 ? NEGATIVE : POSITIVE));
    out.appendShort((short) displayScale);
    for (int digit : digits) {
      out.appendShort((short) digit);
    }
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    String trimmed = text.strip();
    if (trimmed.equalsIgnoreCase("nan")
        || trimmed.equalsIgnoreCase("infinity")
        || trimmed.equalsIgnoreCase("-infinity")
        || trimmed.equalsIgnoreCase("+infinity")) {
      throw notFinite();
    }
    try {
      return new BigDecimal(trimmed);
    } catch (NumberFormatException e) {
      throw invalidText(text);
    }
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    if (bytes.length() < 8) {
      throw invalidBinary(bytes.length());
    }
    int count = bytes.getShort(0);
    int weight = bytes.getShort(2);
    int sign = bytes.getShort(4) & 0xffff;
    int displayScale = bytes.getShort(6);
    if (count < 0 || displayScale < 0 || bytes.length() != 8 + 2 * count) {
      throw invalidBinary(bytes.length());
    }
    if (sign == NAN || sign == POSITIVE_INFINITY || sign == NEGATIVE_INFINITY) {
      throw notFinite();
    }
    if (sign != POSITIVE && sign != NEGATIVE) {
      throw invalidBinary(bytes.length());
    }
    BigInteger unscaled = BigInteger.ZERO;
    for (int i = 0; i < count; i++) {
      int digit = bytes.getShort(8 + 2 * i);
      if (digit < 0 || digit >= 10_000) {
        throw invalidBinary(bytes.length());
      }
      unscaled = unscaled.multiply(TEN_THOUSAND).add(BigInteger.valueOf(digit));
    }
    // The digits read so far are worth 10000^(weight - count + 1) each.
    BigDecimal value = new BigDecimal(unscaled, -4 * (weight - count + 1));
    if (sign == NEGATIVE) {
      value = value.negate();
    }
    return value.setScale(displayScale, java.math.RoundingMode.HALF_UP);
  }

  private static boolean isSpecial(Object value) {
    return (value instanceof Double || value instanceof Float)
        && !Double.isFinite(((Number) value).doubleValue());
  }

  private BigDecimal toBigDecimal(Object value) throws PgWireException {
    return switch (value) {
      case BigDecimal decimal -> decimal;
      case BigInteger integer -> new BigDecimal(integer);
      case Long l -> BigDecimal.valueOf(l);
      case Integer i -> BigDecimal.valueOf(i);
      case Short s -> BigDecimal.valueOf(s);
      case Byte b -> BigDecimal.valueOf(b);
      case Float f -> new BigDecimal(Float.toString(f));
      case Double d -> BigDecimal.valueOf(d);
      default -> throw unsupportedValue(value);
    };
  }

  private PgWireException notFinite() {
    return new PgWireException(
        SqlState.FEATURE_NOT_SUPPORTED,
        "numeric NaN and Infinity are not supported as parameters",
        "Pass a finite number, or use double precision for NaN and Infinity.");
  }
}
