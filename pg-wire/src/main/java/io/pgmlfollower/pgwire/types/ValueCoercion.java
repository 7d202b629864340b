package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Converts a decoded parameter to the Java type of the type the statement declared. Clients bind
 * with the type they chose (pgjdbc's {@code setInt} sends int4, {@code setObject(double[])}
 * float8[]), not necessarily the one a statement declares, and PostgreSQL would apply an implicit
 * or assignment cast: numbers convert among each other (range-checked), arrays element-wise, and
 * text parses as the declared type. Anything else is 42804 datatype_mismatch.
 */
final class ValueCoercion {
  private ValueCoercion() {}

  static Object coerce(Object value, PgType from, PgType to) throws PgWireException {
    if (value == null || to == PgType.UNKNOWN || from == to) {
      return value;
    }
    TypeCodec target = TypeCodecs.forType(to);
    if (value instanceof String text && !isTextual(to)) {
      return target.decodeText(text);
    }
    if (target instanceof ArrayCodec array) {
      return coerceArray(value, from, array);
    }
    Object converted = coerceScalar(value, to);
    if (converted == null) {
      throw mismatch(from, to);
    }
    return converted;
  }

  private static Object coerceArray(Object value, PgType from, ArrayCodec array)
      throws PgWireException {
    if (!value.getClass().isArray()) {
      throw mismatch(from, array.type());
    }
    List<Object> elements = ArrayCodec.elements(value);
    List<Object> converted = new ArrayList<>(elements.size());
    PgType elementType = array.element().type();
    for (Object item : elements) {
      if (item == null) {
        converted.add(null);
        continue;
      }
      Object element =
          item instanceof String text && !isTextual(elementType)
              ? array.element().decodeText(text)
              : coerceScalar(item, elementType);
      if (element == null) {
        throw mismatch(from, array.type());
      }
      converted.add(element);
    }
    return array.toJavaArray(converted);
  }

  /** The value as {@code to}'s Java type, or null when no implicit conversion applies. */
  private static Object coerceScalar(Object value, PgType to) throws PgWireException {
    TypeCodec target = TypeCodecs.forType(to);
    return switch (to) {
      case BOOL -> value instanceof Boolean ? value : null;
      case INT2 -> isNumber(value) ? (Short) (short) ((IntegerCodec) target).toLong(value) : null;
      case INT4 -> isNumber(value) ? (Integer) (int) ((IntegerCodec) target).toLong(value) : null;
      case INT8 -> isNumber(value) ? (Long) ((IntegerCodec) target).toLong(value) : null;
      case FLOAT4 -> isNumber(value) ? (Float) ((Number) value).floatValue() : null;
      case FLOAT8 -> isNumber(value) ? (Double) ((Number) value).doubleValue() : null;
      case NUMERIC -> isNumber(value) ? toBigDecimal((Number) value) : null;
      case TEXT, VARCHAR, JSON, JSONB, UNKNOWN -> value.toString();
      case BYTEA -> value instanceof byte[] ? value : null;
      case UUID -> value instanceof UUID ? value : null;
      case DATE ->
          switch (value) {
            case LocalDate date -> date;
            case LocalDateTime dateTime -> dateTime.toLocalDate();
            case OffsetDateTime dateTime -> dateTime.toLocalDate();
            default -> null;
          };
      case TIMESTAMP ->
          switch (value) {
            case LocalDateTime dateTime -> dateTime;
            case LocalDate date -> date.atStartOfDay();
            case OffsetDateTime dateTime ->
                dateTime.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
            default -> null;
          };
      case TIMESTAMPTZ ->
          switch (value) {
            case OffsetDateTime dateTime -> dateTime;
            case LocalDateTime dateTime -> dateTime.atOffset(ZoneOffset.UTC);
            case LocalDate date -> date.atStartOfDay().atOffset(ZoneOffset.UTC);
            default -> null;
          };
      default -> null;
    };
  }

  private static boolean isNumber(Object value) {
    return value instanceof Number;
  }

  private static BigDecimal toBigDecimal(Number number) throws PgWireException {
    return switch (number) {
      case BigDecimal decimal -> decimal;
      case BigInteger integer -> new BigDecimal(integer);
      case Double d when !Double.isFinite(d) -> throw notFinite();
      case Float f when !Float.isFinite(f) -> throw notFinite();
      case Double d -> BigDecimal.valueOf(d);
      case Float f -> new BigDecimal(Float.toString(f));
      default -> BigDecimal.valueOf(number.longValue());
    };
  }

  private static boolean isTextual(PgType type) {
    return switch (type) {
      case TEXT, VARCHAR, JSON, JSONB, UNKNOWN -> true;
      default -> false;
    };
  }

  private static PgWireException notFinite() {
    return new PgWireException(
        SqlState.FEATURE_NOT_SUPPORTED, "cannot convert NaN or Infinity to numeric");
  }

  private static PgWireException mismatch(PgType from, PgType to) {
    return new PgWireException(
        SqlState.DATATYPE_MISMATCH,
        "cannot use a value of type "
            + TypeCodecs.forType(from).typeName()
            + " where "
            + TypeCodecs.forType(to).typeName()
            + " is expected");
  }
}
