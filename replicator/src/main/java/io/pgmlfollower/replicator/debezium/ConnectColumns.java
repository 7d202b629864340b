package io.pgmlfollower.replicator.debezium;

import io.pgmlfollower.replicator.ReplicatorErrorCode;
import io.pgmlfollower.replicator.ReplicatorException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Debezium's Kafka Connect representation of PostgreSQL columns, back to PostgreSQL: the column
 * type a Connect field schema stands for, and a value's PostgreSQL text form (what the stores take,
 * as pgoutput and COPY send it). Debezium's defaults (https://debezium.io/documentation/reference/
 * stable/connectors/postgresql.html#postgresql-data-types): {@code decimal.handling.mode=precise}
 * (Connect {@code Decimal}, or Debezium's {@code VariableScaleDecimal} for numeric without a
 * scale), {@code time.precision.mode=adaptive} (dates as days, timestamps as epoch milli-, micro-
 * or nanoseconds, timestamptz as an ISO-8601 string), {@code binary.handling.mode=bytes}.
 */
final class ConnectColumns {
  /** A PostgreSQL column type: as {@code format_type} prints it, and its OID. */
  record PgType(String name, int oid) {}

  /** What Debezium sends for an unchanged TOAST value it could not read. */
  static final String UNAVAILABLE = "__debezium_unavailable_value";

  private static final DateTimeFormatter TIME =
      new DateTimeFormatterBuilder()
          .appendPattern("HH:mm:ss")
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
          .toFormatter();
  private static final DateTimeFormatter TIMESTAMP =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral(' ')
          .append(TIME)
          .toFormatter();

  private ConnectColumns() {}

  static PgType typeOf(Schema schema) throws ReplicatorException {
    String name = schema.name();
    if (name != null) {
      switch (name) {
        case "org.apache.kafka.connect.data.Decimal", "io.debezium.data.VariableScaleDecimal" -> {
          return new PgType("numeric", 1700);
        }
        case "io.debezium.time.Date", "org.apache.kafka.connect.data.Date" -> {
          return new PgType("date", 1082);
        }
        case "io.debezium.time.Timestamp",
            "io.debezium.time.MicroTimestamp",
            "io.debezium.time.NanoTimestamp",
            "org.apache.kafka.connect.data.Timestamp" -> {
          return new PgType("timestamp without time zone", 1114);
        }
        case "io.debezium.time.ZonedTimestamp" -> {
          return new PgType("timestamp with time zone", 1184);
        }
        case "io.debezium.time.Time", "io.debezium.time.MicroTime", "io.debezium.time.NanoTime" -> {
          return new PgType("time without time zone", 1083);
        }
        case "io.debezium.time.ZonedTime" -> {
          return new PgType("time with time zone", 1266);
        }
        case "io.debezium.time.MicroDuration", "io.debezium.time.Interval" -> {
          return new PgType("interval", 1186);
        }
        case "io.debezium.data.Uuid" -> {
          return new PgType("uuid", 2950);
        }
        case "io.debezium.data.Json" -> {
          return new PgType("jsonb", 3802);
        }
        default -> {
          // Enum, Xml, Bits...: by their Connect type below (an enum's values are its labels).
        }
      }
    }
    return switch (schema.type()) {
      case INT8, INT16 -> new PgType("smallint", 21);
      case INT32 -> new PgType("integer", 23);
      case INT64 -> new PgType("bigint", 20);
      case FLOAT32 -> new PgType("real", 700);
      case FLOAT64 -> new PgType("double precision", 701);
      case BOOLEAN -> new PgType("boolean", 16);
      case STRING -> new PgType("text", 25);
      case BYTES -> new PgType("bytea", 17);
      case ARRAY -> arrayOf(typeOf(schema.valueSchema()));
      default ->
          throw new ReplicatorException(
              ReplicatorErrorCode.UNSUPPORTED,
              "a Debezium field of Connect type "
                  + schema.type()
                  + " ("
                  + name
                  + ") has no"
                  + " PostgreSQL column type here");
    };
  }

  private static PgType arrayOf(PgType element) throws ReplicatorException {
    int oid =
        switch (element.oid()) {
          case 21 -> 1005;
          case 23 -> 1007;
          case 20 -> 1016;
          case 700 -> 1021;
          case 701 -> 1022;
          case 16 -> 1000;
          case 25 -> 1009;
          case 1700 -> 1231;
          case 1082 -> 1182;
          case 1114 -> 1115;
          case 1184 -> 1185;
          case 2950 -> 2951;
          case 3802 -> 3807;
          case 17 -> 1001;
          default ->
              throw new ReplicatorException(
                  ReplicatorErrorCode.UNSUPPORTED,
                  "arrays of " + element.name() + " are not supported from Debezium");
        };
    return new PgType(element.name() + "[]", oid);
  }

  /** The value's PostgreSQL text form; null for NULL. */
  static String text(Schema schema, Object value) throws ReplicatorException {
    if (value == null) {
      return null;
    }
    String name = schema.name();
    if (name != null) {
      switch (name) {
        case "org.apache.kafka.connect.data.Decimal" -> {
          return ((BigDecimal) value).toPlainString();
        }
        case "io.debezium.data.VariableScaleDecimal" -> {
          Struct decimal = (Struct) value;
          return new BigDecimal(
                  new BigInteger(bytes(decimal.get("value"))), decimal.getInt32("scale"))
              .toPlainString();
        }
        case "io.debezium.time.Date" -> {
          return LocalDate.ofEpochDay(((Number) value).longValue()).toString();
        }
        case "org.apache.kafka.connect.data.Date" -> {
          return LocalDate.ofInstant(((java.util.Date) value).toInstant(), ZoneOffset.UTC)
              .toString();
        }
        case "io.debezium.time.Timestamp" -> {
          return timestamp(Instant.ofEpochMilli(((Number) value).longValue()));
        }
        case "org.apache.kafka.connect.data.Timestamp" -> {
          return timestamp(((java.util.Date) value).toInstant());
        }
        case "io.debezium.time.MicroTimestamp" -> {
          long micros = ((Number) value).longValue();
          return timestamp(
              Instant.ofEpochSecond(
                  Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000));
        }
        case "io.debezium.time.NanoTimestamp" -> {
          long nanos = ((Number) value).longValue();
          return timestamp(
              Instant.ofEpochSecond(
                  Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)));
        }
        case "io.debezium.time.ZonedTimestamp" -> {
          OffsetDateTime time = OffsetDateTime.parse((String) value);
          return TIMESTAMP.format(time.withOffsetSameInstant(ZoneOffset.UTC)) + "+00";
        }
        case "io.debezium.time.Time" -> {
          return TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000_000L));
        }
        case "io.debezium.time.MicroTime" -> {
          return TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue() * 1_000L));
        }
        case "io.debezium.time.NanoTime" -> {
          return TIME.format(LocalTime.ofNanoOfDay(((Number) value).longValue()));
        }
        case "io.debezium.time.MicroDuration" -> {
          long micros = ((Number) value).longValue();
          return BigDecimal.valueOf(micros, 6).toPlainString() + " seconds";
        }
        default -> {
          // By Connect type below.
        }
      }
    }
    return switch (schema.type()) {
      case INT8, INT16, INT32, INT64 -> value.toString();
      case FLOAT32 -> Float.toString((Float) value);
      case FLOAT64 -> Double.toString((Double) value);
      case BOOLEAN -> ((Boolean) value) ? "t" : "f";
      case STRING -> (String) value;
      case BYTES -> "\\x" + HexFormat.of().formatHex(bytes(value));
      case ARRAY -> array(schema.valueSchema(), (List<?>) value);
      default -> throw new IllegalStateException("typeOf refused " + schema.type());
    };
  }

  private static String timestamp(Instant instant) {
    return TIMESTAMP.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
  }

  /** An array literal: elements double-quoted with {@code \} and {@code "} escaped, NULLs bare. */
  private static String array(Schema element, List<?> values) throws ReplicatorException {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      String text = text(element, values.get(i));
      if (text == null) {
        out.append("NULL");
      } else {
        out.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
    }
    return out.append('}').toString();
  }

  private static byte[] bytes(Object value) {
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return bytes;
    }
    return (byte[]) value;
  }
}
