package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * {@code timestamp without time zone}: ISO text with a space, binary int64 microseconds since
 * 2000-01-01. Java value: {@link LocalDateTime} (an {@link Instant} is written as UTC wall time).
 */
final class TimestampCodec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.TIMESTAMP;
  }

  @Override
  public String typeName() {
    return "timestamp without time zone";
  }

  @Override
  public int typeLength() {
    return 8;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    LocalDateTime dateTime = toDateTime(value);
    if (dateTime.equals(LocalDateTime.MAX)) {
      return "infinity";
    }
    if (dateTime.equals(LocalDateTime.MIN)) {
      return "-infinity";
    }
    return PgEpoch.formatDateTime(dateTime);
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    out.appendLong(PgEpoch.toMicros(toDateTime(value)));
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    String trimmed = text.strip();
    if (trimmed.equalsIgnoreCase("infinity") || trimmed.equalsIgnoreCase("+infinity")) {
      return LocalDateTime.MAX;
    }
    if (trimmed.equalsIgnoreCase("-infinity")) {
      return LocalDateTime.MIN;
    }
    // timestamp_in ignores a time zone in the text.
    return PgEpoch.parse(text, typeName()).dateTime();
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 8);
    return PgEpoch.fromMicros(bytes.getLong(0));
  }

  private LocalDateTime toDateTime(Object value) throws PgWireException {
    if (value instanceof LocalDateTime dateTime) {
      return dateTime;
    }
    if (value instanceof Instant instant) {
      return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
    throw unsupportedValue(value);
  }
}
