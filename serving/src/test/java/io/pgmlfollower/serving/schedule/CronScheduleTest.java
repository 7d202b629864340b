package io.pgmlfollower.serving.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final ZonedDateTime SATURDAY_NOON =
      ZonedDateTime.of(2026, 11, 21, 12, 0, 30, 0, ZoneOffset.UTC);

  private static ZonedDateTime next(String expression, ZonedDateTime after) {
    return CronSchedule.parse(expression).next(after);
  }

  @Test
  void dailyAtThree() {
    assertThat(next("0 3 * * *", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2026, 11, 22, 3, 0, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void everyMinuteIsStrictlyAfter() {
    assertThat(next("* * * * *", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2026, 11, 21, 12, 1, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void stepsRangesListsAndNames() {
    assertThat(next("*/15 9-17 * * MON-FRI", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2026, 11, 23, 9, 0, 0, 0, ZoneOffset.UTC));
    assertThat(next("5,35 * * JAN,dec *", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2026, 12, 1, 0, 5, 0, 0, ZoneOffset.UTC));
    assertThat(next("0 0 * * 7", SATURDAY_NOON)).isEqualTo(next("0 0 * * 0", SATURDAY_NOON));
  }

  @Test
  void bothDayFieldsRestrictedMeansEither() {
    // The 1st of the month, or any Monday: Monday the 23rd comes first.
    assertThat(next("0 0 1 * MON", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2026, 11, 23, 0, 0, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void leapDay() {
    assertThat(next("0 0 29 2 *", SATURDAY_NOON))
        .isEqualTo(ZonedDateTime.of(2028, 2, 29, 0, 0, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void badExpressionsSayWhatIsWrong() {
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * *")).hasMessageContaining("5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).hasMessageContaining("minute");
    assertThatThrownBy(() -> CronSchedule.parse("0 3 * * FUNDAY"))
        .hasMessageContaining("day of week");
    assertThatThrownBy(() -> CronSchedule.parse("0 5-3 * * *")).hasMessageContaining("backwards");
  }
}
