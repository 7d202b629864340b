package io.pgmlfollower.pgwire.types;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PostgreSQL's date/time conventions shared by date, timestamp and timestamptz: binary values count
 * days or microseconds from 2000-01-01, the extreme int values mean -infinity/infinity, and the
 * text form is ISO 8601 with a space ({@code DateStyle = ISO}). See
 * https://www.postgresql.org/docs/current/datatype-datetime.html
 */
final class PgEpoch {
  static final LocalDate EPOCH_DATE = LocalDate.of(2000, 1, 1);
  static final LocalDateTime EPOCH = EPOCH_DATE.atStartOfDay();

  /**
   * ISO date, optional time (T or space) with fraction, optional zone offset: what a driver sends
   * for date, timestamp and timestamptz in text format.
   */
  private static final Pattern DATE_TIME =
      Pattern.compile(
          "(\\d{4,})-(\\d{1,2})-(\\d{1,2})"
              + "(?:[ T](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?"
              + "\\s*(Z|z|[+-]\\d{1,2}(?::?\\d{2}(?::?\\d{2})?)?)?");

  private PgEpoch() {}

  /** The parts of a text date/time; {@code offset} is null when the text named none. */
  record Parsed(LocalDateTime dateTime, ZoneOffset offset) {}

  static Parsed parse(String text, String typeName) throws PgWireException {
    Matcher m = DATE_TIME.matcher(text.strip());
    if (!m.matches()) {
      throw invalid(text, typeName);
    }
    try {
      LocalDate date =
          LocalDate.of(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)));
      LocalTime time = LocalTime.MIDNIGHT;
      if (m.group(4) != null) {
        String fraction = m.group(7) == null ? "" : m.group(7);
        int nanos =
            fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "00000000").substring(0, 9));
        time =
            LocalTime.of(
                Integer.parseInt(m.group(4)),
                Integer.parseInt(m.group(5)),
                m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                nanos);
      }
      ZoneOffset offset = m.group(8) == null ? null : parseOffset(m.group(8));
      return new Parsed(LocalDateTime.of(date, time).truncatedTo(ChronoUnit.MICROS), offset);
    } catch (java.time.DateTimeException | NumberFormatException e) {
      throw new PgWireException(
          SqlState.INVALID_PARAMETER_VALUE,
          "date/time field value out of range: \"" + text.strip() + "\"");
    }
  }

  private static ZoneOffset parseOffset(String text) {
    if (text.equalsIgnoreCase("z")) {
      return ZoneOffset.UTC;
    }
    String digits = text.substring(1).replace(":", "");
    int hours = Integer.parseInt(digits.length() <= 2 ? digits : digits.substring(0, 2));
    int minutes = digits.length() >= 4 ? Integer.parseInt(digits.substring(2, 4)) : 0;
    int seconds = digits.length() >= 6 ? Integer.parseInt(digits.substring(4, 6)) : 0;
    int sign = text.charAt(0) == '-' ? -1 : 1;
    return ZoneOffset.ofHoursMinutesSeconds(sign * hours, sign * minutes, sign * seconds);
  }

  /** {@code yyyy-MM-dd HH:mm:ss[.ffffff]}, trailing zeros of the fraction dropped. */
  static String formatDateTime(LocalDateTime value) {
    StringBuilder out = new StringBuilder(32);
    out.append(formatDate(value.toLocalDate())).append(' ');
    appendTwoDigits(out, value.getHour()).append(':');
    appendTwoDigits(out, value.getMinute()).append(':');
    appendTwoDigits(out, value.getSecond());
    int micros = value.getNano() / 1000;
    if (micros != 0) {
      String fraction = String.format("%06d", micros);
      int end = fraction.length();
      while (fraction.charAt(end - 1) == '0') {
        end--;
      }
      out.append('.').append(fraction, 0, end);
    }
    return out.toString();
  }

  static String formatDate(LocalDate value) {
    StringBuilder out = new StringBuilder(16);
    int year = value.getYear();
    if (year > 0) {
      out.append(String.format("%04d", year)).append('-');
      appendTwoDigits(out, value.getMonthValue()).append('-');
      appendTwoDigits(out, value.getDayOfMonth());
    } else {
      // ISO year 0 is 1 BC in PostgreSQL's (astronomical-less) numbering.
      out.append(String.format("%04d", 1 - year)).append('-');
      appendTwoDigits(out, value.getMonthValue()).append('-');
      appendTwoDigits(out, value.getDayOfMonth()).append(" BC");
    }
    return out.toString();
  }

  /** Microseconds since 2000-01-01 00:00, the binary timestamp. */
  static long toMicros(LocalDateTime value) {
    if (value.equals(LocalDateTime.MAX)) {
      return Long.MAX_VALUE;
    }
    if (value.equals(LocalDateTime.MIN)) {
      return Long.MIN_VALUE;
    }
    return ChronoUnit.MICROS.between(EPOCH, value);
  }

  static LocalDateTime fromMicros(long micros) {
    if (micros == Long.MAX_VALUE) {
      return LocalDateTime.MAX;
    }
    if (micros == Long.MIN_VALUE) {
      return LocalDateTime.MIN;
    }
    return EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  private static StringBuilder appendTwoDigits(StringBuilder out, int value) {
    if (value < 10) {
      out.append('0');
    }
    return out.append(value);
  }

  static PgWireException invalid(String text, String typeName) {
    return new PgWireException(
        SqlState.INVALID_TEXT_REPRESENTATION,
        "invalid input syntax for type " + typeName + ": \"" + text + "\"");
  }
}
