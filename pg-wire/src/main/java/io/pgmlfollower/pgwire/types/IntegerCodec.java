package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.math.BigDecimal;
import java.math.BigInteger;

/** What {@code smallint}, {@code integer} and {@code bigint} share: range-checked conversions. */
abstract class IntegerCodec implements TypeCodec {
  private final long min;
  private final long max;

  IntegerCodec(long min, long max) {
    this.min = min;
    this.max = max;
  }

  /** The value as a long within this type's range; fractional numbers are refused. */
  final long toLong(Object value) throws PgWireException {
    long result;
    if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      result = ((Number) value).longValue();
    } else if (value instanceof BigInteger big) {
      if (big.bitLength() > 63) {
        throw outOfRange();
      }
      result = big.longValue();
    } else if (value instanceof BigDecimal decimal) {
      try {
        result = decimal.setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
      } catch (ArithmeticException e) {
        throw outOfRange();
      }
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d) || d < Long.MIN_VALUE || d > Long.MAX_VALUE) {
        throw outOfRange();
      }
      // PostgreSQL rounds float-to-integer casts half to even (rint).
      result = (long) Math.rint(d);
    } else {
      throw unsupportedValue(value);
    }
    if (result < min || result > max) {
      throw outOfRange();
    }
    return result;
  }

  final long parse(String text) throws PgWireException {
    try {
      long value = Long.parseLong(text.strip());
      if (value < min || value > max) {
        throw outOfRange(text);
      }
      return value;
    } catch (NumberFormatException e) {
      throw invalidText(text);
    }
  }

  private PgWireException outOfRange() {
    return new PgWireException(SqlState.INVALID_PARAMETER_VALUE, typeName() + " out of range");
  }

  private PgWireException outOfRange(String text) {
    return new PgWireException(
        SqlState.INVALID_PARAMETER_VALUE,
        "value \"" + text.strip() + "\" is out of range for type " + typeName());
  }
}
