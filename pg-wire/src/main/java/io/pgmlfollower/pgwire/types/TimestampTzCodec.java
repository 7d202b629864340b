package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * {@code timestamp with time zone}: binary int64 microseconds since 2000-01-01 UTC. Text output is
 * in UTC with a {@code +00} offset (valid input everywhere, and what PostgreSQL writes when
 * TimeZone is UTC); text input without an offset is read as UTC. Java value: {@link OffsetDateTime}
 * in UTC ({@link Instant} and {@link ZonedDateTime} are accepted as results).
 */
final class TimestampTzCodec implements TypeCodec {
  private static final OffsetDateTime INFINITY = OffsetDateTime.MAX;
  private static final OffsetDateTime MINUS_INFINITY = OffsetDateTime.MIN;

  @Override
  public PgType type() {
    return PgType.TIMESTAMPTZ;
  }

  @Override
  public String typeName() {
    return "timestamp with time zone";
  }

  @Override
  public int typeLength() {
    return 8;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    OffsetDateTime dateTime = toDateTime(value);
    if (dateTime.equals(INFINITY)) {
      return "infinity";
    }
    if (dateTime.equals(MINUS_INFINITY)) {
      return "-infinity";
    }
    return PgEpoch.formatDateTime(toUtc(dateTime)) + "+00";
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    OffsetDateTime dateTime = toDateTime(value);
    long micros;
    if (dateTime.equals(INFINITY)) {
      micros = Long.MAX_VALUE;
    } else if (dateTime.equals(MINUS_INFINITY)) {
      micros = Long.MIN_VALUE;
    } else {
      micros = PgEpoch.toMicros(toUtc(dateTime));
    }
    out.appendLong(micros);
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    String trimmed = text.strip();
    if (trimmed.equalsIgnoreCase("infinity") || trimmed.equalsIgnoreCase("+infinity")) {
      return INFINITY;
    }
    if (trimmed.equalsIgnoreCase("-infinity")) {
      return MINUS_INFINITY;
    }
    PgEpoch.Parsed parsed = PgEpoch.parse(text, typeName());
    ZoneOffset offset = parsed.offset() == null ? ZoneOffset.UTC : parsed.offset();
    return parsed.dateTime().atOffset(offset).withOffsetSameInstant(ZoneOffset.UTC);
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 8);
    long micros = bytes.getLong(0);
    if (micros == Long.MAX_VALUE) {
      return INFINITY;
    }
    if (micros == Long.MIN_VALUE) {
      return MINUS_INFINITY;
    }
    return PgEpoch.fromMicros(micros).atOffset(ZoneOffset.UTC);
  }

  private static LocalDateTime toUtc(OffsetDateTime dateTime) {
    return dateTime.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
  }

  private OffsetDateTime toDateTime(Object value) throws PgWireException {
    return switch (value) {
      case OffsetDateTime dateTime -> dateTime;
      case Instant instant -> instant.atOffset(ZoneOffset.UTC);
      case ZonedDateTime zoned -> zoned.toOffsetDateTime();
      default -> throw unsupportedValue(value);
    };
  }
}
