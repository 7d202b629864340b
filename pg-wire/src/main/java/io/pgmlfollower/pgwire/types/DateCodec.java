package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgType;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * {@code date}: ISO text, binary int32 days since 2000-01-01 (extremes = ±infinity, mapped to
 * {@link LocalDate#MAX}/{@link LocalDate#MIN}). Java value: {@link LocalDate}.
 */
final class DateCodec implements TypeCodec {
  @Override
  public PgType type() {
    return PgType.DATE;
  }

  @Override
  public String typeName() {
    return "date";
  }

  @Override
  public int typeLength() {
    return 4;
  }

  @Override
  public String encodeText(Object value) throws PgWireException {
    LocalDate date = toDate(value);
    if (date.equals(LocalDate.MAX)) {
      return "infinity";
    }
    if (date.equals(LocalDate.MIN)) {
      return "-infinity";
    }
    return PgEpoch.formatDate(date);
  }

  @Override
  public void encodeBinary(Object value, Buffer out) throws PgWireException {
    LocalDate date = toDate(value);
    int days;
    if (date.equals(LocalDate.MAX)) {
      days = Integer.MAX_VALUE;
    } else if (date.equals(LocalDate.MIN)) {
      days = Integer.MIN_VALUE;
    } else {
      days = Math.toIntExact(ChronoUnit.DAYS.between(PgEpoch.EPOCH_DATE, date));
    }
    out.appendInt(days);
  }

  @Override
  public Object decodeText(String text) throws PgWireException {
    String trimmed = text.strip();
    if (trimmed.equalsIgnoreCase("infinity") || trimmed.equalsIgnoreCase("+infinity")) {
      return LocalDate.MAX;
    }
    if (trimmed.equalsIgnoreCase("-infinity")) {
      return LocalDate.MIN;
    }
    PgEpoch.Parsed parsed = PgEpoch.parse(text, typeName());
    return parsed.dateTime().toLocalDate();
  }

  @Override
  public Object decodeBinary(Buffer bytes) throws PgWireException {
    TypeCodec.expectLength(this, bytes, 4);
    int days = bytes.getInt(0);
    if (days == Integer.MAX_VALUE) {
      return LocalDate.MAX;
    }
    if (days == Integer.MIN_VALUE) {
      return LocalDate.MIN;
    }
    return PgEpoch.EPOCH_DATE.plusDays(days);
  }

  private LocalDate toDate(Object value) throws PgWireException {
    if (value instanceof LocalDate date) {
      return date;
    }
    throw unsupportedValue(value);
  }
}
