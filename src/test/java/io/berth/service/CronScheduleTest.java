package io.berth.service;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronScheduleTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  /** The next {@code count} runs of {@code schedule} after {@code start}, each run taking no time. */
  private static List<Instant> runs(Schedule schedule, Instant start, int count) {
    List<Instant> runs = new ArrayList<>();
    Instant due = schedule.firstRun(start);
    for (int i = 0; i < count; i++) {
      runs.add(due);
      due = schedule.nextRun(due, due);
    }
    return runs;
  }

  private static Instant berlin(String localDateTime, String offset) {
    return ZonedDateTime.parse(localDateTime + offset + "[Europe/Berlin]").toInstant();
  }

  @Test
  void nextFireTimeInUtcIsStrictlyAfterNow() {
    Schedule everyFiveMinutes = Schedule.cron("0 */5 * * * *");

    assertThat(everyFiveMinutes.firstRun(Instant.parse("2026-01-01T10:02:30Z")))
        .isEqualTo(Instant.parse("2026-01-01T10:05:00Z"));
    assertThat(everyFiveMinutes.firstRun(Instant.parse("2026-01-01T10:05:00Z")))
        .isEqualTo(Instant.parse("2026-01-01T10:10:00Z"));
    assertThat(everyFiveMinutes.firstRun(Instant.parse("2026-01-01T10:04:59.999Z")))
        .isEqualTo(Instant.parse("2026-01-01T10:05:00Z"));
  }

  @Test
  void everySecondCronFiresOnTheSecondWhatEverTheFractionOfNow() {
    Schedule everySecond = Schedule.cron("* * * * * *");

    // A 7 ms run due at 11.000 that finished at 11.077745 (defect 8 planned 12.077745).
    assertThat(everySecond.nextRun(Instant.parse("2026-03-01T10:00:11Z"), Instant.parse("2026-03-01T10:00:11.077745Z")))
        .isEqualTo(Instant.parse("2026-03-01T10:00:12Z"));
    assertThat(everySecond.firstRun(Instant.parse("2026-03-01T10:00:11.000000001Z")))
        .isEqualTo(Instant.parse("2026-03-01T10:00:12Z"));
    assertThat(everySecond.firstRun(Instant.parse("2026-03-01T10:00:11.999999999Z")))
        .isEqualTo(Instant.parse("2026-03-01T10:00:12Z"));
    assertThat(runs(everySecond, Instant.parse("2026-03-01T10:00:11.5Z"), 3)).containsExactly(
        Instant.parse("2026-03-01T10:00:12Z"), Instant.parse("2026-03-01T10:00:13Z"),
        Instant.parse("2026-03-01T10:00:14Z"));
    Schedule everyTenSecondsInBerlin = Schedule.cron("*/10 * * * * *", BERLIN);
    assertThat(everyTenSecondsInBerlin.nextRun(Instant.parse("2026-03-01T10:00:10Z"),
        Instant.parse("2026-03-01T10:00:10.5Z"))).isEqualTo(Instant.parse("2026-03-01T10:00:20Z"));
  }

  @Test
  void nextFireTimeIsEvaluatedInTheZone() {
    Schedule daily = Schedule.cron("0 30 2 * * *", BERLIN);

    // 2026-01-15 is winter time (+01:00): 02:30 local is 01:30Z
    assertThat(daily.firstRun(Instant.parse("2026-01-15T00:00:00Z"))).isEqualTo(Instant.parse("2026-01-15T01:30:00Z"));
    // in summer (+02:00) the same job fires at 00:30Z
    assertThat(daily.firstRun(Instant.parse("2026-07-15T00:00:00Z"))).isEqualTo(Instant.parse("2026-07-15T00:30:00Z"));
  }

  @Test
  void overrunningCronRunSkipsToTheNextFireTimeAfterItFinished() {
    Schedule everyFiveMinutes = Schedule.cron("0 */5 * * * *");

    Instant due = Instant.parse("2026-01-01T10:00:00Z");
    assertThat(everyFiveMinutes.nextRun(due, Instant.parse("2026-01-01T10:12:00Z")))
        .isEqualTo(Instant.parse("2026-01-01T10:15:00Z"));
    // a run that finishes before its due instant (clock skew) does not run twice
    assertThat(everyFiveMinutes.nextRun(due, due.minusMillis(1))).isEqualTo(Instant.parse("2026-01-01T10:05:00Z"));
  }

  /**
   * 2026-03-29 in Berlin: 02:00 +01:00 jumps to 03:00 +02:00, so 02:30 does not exist. cron-utils alone skips the
   * day (next after 2026-03-28 12:00 is 2026-03-30 02:30); we run it once at the end of the gap, like Vixie cron.
   */
  @Test
  void dailyJobInsideTheSpringForwardGapRunsOnceAtTheEndOfTheGap() {
    Schedule daily = Schedule.cron("0 30 2 * * *", BERLIN);

    assertThat(runs(daily, berlin("2026-03-28T12:00", "+01:00"), 3)).containsExactly(
        berlin("2026-03-29T03:00", "+02:00"),
        berlin("2026-03-30T02:30", "+02:00"),
        berlin("2026-03-31T02:30", "+02:00"));
  }

  /**
   * Pins the cron-utils behaviour our gap correction relies on: it never returns a time inside (or shifted out of)
   * the gap. If an upgrade changes this, revisit {@code CronSchedule.fireTimeAfter}, or jobs could run twice.
   */
  @Test
  void cronUtilsAloneSkipsAFireTimeInsideTheSpringForwardGap() {
    ExecutionTime raw = ExecutionTime.forCron(new CronParser(CronDefinitionBuilder.instanceDefinitionFor(
        CronType.SPRING53)).parse("0 30 2 * * *"));

    assertThat(raw.nextExecution(ZonedDateTime.parse("2026-03-28T12:00+01:00[Europe/Berlin]")))
        .hasValue(ZonedDateTime.parse("2026-03-30T02:30+02:00[Europe/Berlin]"));
    assertThat(raw.nextExecution(ZonedDateTime.parse("2026-03-29T03:00+02:00[Europe/Berlin]")))
        .hasValue(ZonedDateTime.parse("2026-03-30T02:30+02:00[Europe/Berlin]"));
  }

  @Test
  void hourlyJobAcrossSpringForwardFiresEveryRealHourOnce() {
    Schedule hourly = Schedule.cron("0 0 * * * *", BERLIN);

    assertThat(runs(hourly, berlin("2026-03-29T00:30", "+01:00"), 4)).containsExactly(
        Instant.parse("2026-03-29T00:00:00Z"), // 01:00 +01:00
        Instant.parse("2026-03-29T01:00:00Z"), // 03:00 +02:00, the end of the gap: once, not twice
        Instant.parse("2026-03-29T02:00:00Z"), // 04:00 +02:00
        Instant.parse("2026-03-29T03:00:00Z"));
  }

  /** 2026-10-25 in Berlin: 03:00 +02:00 falls back to 02:00 +01:00, so 02:00-02:59 happens twice. */
  @Test
  void hourlyJobAcrossFallBackFiresEveryRealHourWithTheRightOffset() {
    Schedule hourly = Schedule.cron("0 0 * * * *", BERLIN);

    assertThat(runs(hourly, berlin("2026-10-25T00:30", "+02:00"), 5)).containsExactly(
        berlin("2026-10-25T01:00", "+02:00"),
        berlin("2026-10-25T02:00", "+02:00"),
        berlin("2026-10-25T02:00", "+01:00"),
        berlin("2026-10-25T03:00", "+01:00"),
        berlin("2026-10-25T04:00", "+01:00"))
        .containsExactly(
            Instant.parse("2026-10-24T23:00:00Z"),
            Instant.parse("2026-10-25T00:00:00Z"),
            Instant.parse("2026-10-25T01:00:00Z"),
            Instant.parse("2026-10-25T02:00:00Z"),
            Instant.parse("2026-10-25T03:00:00Z"));
  }

  @Test
  void dailyJobInTheRepeatedHourFiresOnceAtItsFirstOccurrence() {
    Schedule daily = Schedule.cron("0 30 2 * * *", BERLIN);

    assertThat(runs(daily, berlin("2026-10-24T12:00", "+02:00"), 2)).containsExactly(
        berlin("2026-10-25T02:30", "+02:00"),
        berlin("2026-10-26T02:30", "+01:00"));
  }

  @Test
  void fiveFieldUnixCronIsRejectedWithAHint() {
    assertThatThrownBy(() -> Schedule.cron("*/5 * * * *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid cron expression '*/5 * * * *': it has 5 fields (a Unix cron has 5 fields; add the"
            + " seconds first, e.g. '0 */5 * * * *'); expected 6 fields: second minute hour day-of-month month"
            + " day-of-week, e.g. '0 */5 * * * *' (every five minutes) or '0 30 2 * * MON-FRI' (02:30 on weekdays)");
  }

  @Test
  void badFieldValueSaysWhatIsWrongAndGivesAnExample() {
    assertThatThrownBy(() -> Schedule.cron("0 61 * * * *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid cron expression '0 61 * * * *': ")
        .hasMessageContaining("61 not in range [0, 59]")
        .hasMessageContaining("e.g. '0 */5 * * * *'");
    assertThatThrownBy(() -> Schedule.cron("  "))
        .hasMessageStartingWith("Invalid cron expression '': it is empty; expected 6 fields");
  }

  @Test
  void expressionThatNeverFiresIsRejected() {
    assertThatThrownBy(() -> Schedule.cron("0 0 0 30 2 *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid cron expression '0 0 0 30 2 *': it never fires");
  }
}
