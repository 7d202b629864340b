package io.pgmlfollower.serving.schedule;

import static java.util.Objects.requireNonNull;

import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A standard five-field cron expression: minute, hour, day of month, month, day of week; each field
 * {@code *}, a number, a range {@code a-b}, a step {@code *}{@code /n} or {@code a-b/n}, or a list
 * of those; months and days may be named ({@code JAN}, {@code MON}); day of week 0 and 7 are
 * Sunday. As in Vixie cron, when both day fields are restricted a day matching either one fires.
 */
public final class CronSchedule {
  private static final Map<String, Integer> MONTHS =
      Map.ofEntries(
          Map.entry("JAN", 1),
          Map.entry("FEB", 2),
          Map.entry("MAR", 3),
          Map.entry("APR", 4),
          Map.entry("MAY", 5),
          Map.entry("JUN", 6),
          Map.entry("JUL", 7),
          Map.entry("AUG", 8),
          Map.entry("SEP", 9),
          Map.entry("OCT", 10),
          Map.entry("NOV", 11),
          Map.entry("DEC", 12));
  private static final Map<String, Integer> DAYS =
      Map.of("SUN", 0, "MON", 1, "TUE", 2, "WED", 3, "THU", 4, "FRI", 5, "SAT", 6);

  /** The longest a search for the next time may look ahead (a Feb 29 schedule fires in 4 years). */
  private static final long MAX_MINUTES = 5L * 366 * 24 * 60;

  private final String expression;
  private final BitSet minutes;
  private final BitSet hours;
  private final BitSet daysOfMonth;
  private final BitSet months;
  private final BitSet daysOfWeek;
  private final boolean dayOfMonthRestricted;
  private final boolean dayOfWeekRestricted;

  private CronSchedule(String expression, String[] fields) {
    this.expression = expression;
    this.minutes = field(fields[0], 0, 59, Map.of(), "minute");
    this.hours = field(fields[1], 0, 23, Map.of(), "hour");
    this.daysOfMonth = field(fields[2], 1, 31, Map.of(), "day of month");
    this.months = field(fields[3], 1, 12, MONTHS, "month");
    BitSet days = field(fields[4], 0, 7, DAYS, "day of week");
    if (days.get(7)) {
      days.set(0);
    }
    this.daysOfWeek = days;
    this.dayOfMonthRestricted = !fields[2].equals("*");
    this.dayOfWeekRestricted = !fields[4].equals("*");
  }

  /**
   * @throws IllegalArgumentException with a message saying which field is wrong
   */
  public static CronSchedule parse(String expression) {
    requireNonNull(expression, "expression is null");
    String[] fields = expression.trim().split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "'%s' is not a cron expression: expected 5 fields (minute hour day-of-month month"
                  .formatted(expression)
              + " day-of-week), e.g. \"0 3 * * *\"");
    }
    return new CronSchedule(expression, fields);
  }

  /** The first time strictly after {@code after} that the schedule fires, to the minute. */
  public ZonedDateTime next(ZonedDateTime after) {
    ZonedDateTime time = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    for (long i = 0; i < MAX_MINUTES; i++) {
      if (matches(time)) {
        return time;
      }
      time = time.plusMinutes(1);
    }
    throw new IllegalStateException("cron expression '" + expression + "' never fires");
  }

  private boolean matches(ZonedDateTime time) {
    if (!minutes.get(time.getMinute())
        || !hours.get(time.getHour())
        || !months.get(time.getMonthValue())) {
      return false;
    }
    boolean dayOfMonth = daysOfMonth.get(time.getDayOfMonth());
    boolean dayOfWeek = daysOfWeek.get(time.getDayOfWeek().getValue() % 7);
    if (dayOfMonthRestricted && dayOfWeekRestricted) {
      return dayOfMonth || dayOfWeek;
    }
    return dayOfMonth && dayOfWeek;
  }

  private static BitSet field(
      String text, int min, int max, Map<String, Integer> names, String what) {
    BitSet values = new BitSet(max + 1);
    for (String part : text.split(",", -1)) {
      int step = 1;
      String range = part;
      int slash = part.indexOf('/');
      if (slash >= 0) {
        step = number(part.substring(slash + 1), Map.of(), 1, max, what, part);
        range = part.substring(0, slash);
      }
      int from;
      int to;
      if (range.equals("*")) {
        from = min;
        to = max;
      } else if (range.indexOf('-') > 0) {
        int dash = range.indexOf('-');
        from = number(range.substring(0, dash), names, min, max, what, part);
        to = number(range.substring(dash + 1), names, min, max, what, part);
        if (to < from) {
          throw new IllegalArgumentException(what + " range '" + part + "' runs backwards");
        }
      } else {
        from = number(range, names, min, max, what, part);
        to = slash >= 0 ? max : from;
      }
      for (int value = from; value <= to; value += step) {
        values.set(value);
      }
    }
    return values;
  }

  private static int number(
      String text, Map<String, Integer> names, int min, int max, String what, String part) {
    Integer named = names.get(text.toUpperCase(Locale.ROOT));
    if (named != null) {
      return named;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw new IllegalArgumentException(
            "%s '%s' is out of range %d-%d".formatted(what, part, min, max));
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("%s '%s' is not a number".formatted(what, part), e);
    }
  }

  @Override
  public String toString() {
    return expression;
  }
}
