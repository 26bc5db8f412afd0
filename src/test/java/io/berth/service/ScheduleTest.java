package io.berth.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScheduleTest {

  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void everyRunsAtStartThenOnTheGrid() {
    Schedule schedule = Schedule.every(Duration.ofSeconds(10));

    Instant first = schedule.firstRun(T0);
    Instant second = schedule.nextRun(first, at(3));
    Instant third = schedule.nextRun(second, at(12));

    assertThat(first).isEqualTo(T0);
    assertThat(second).isEqualTo(at(10));
    assertThat(third).isEqualTo(at(20));
  }

  @Test
  void everyStaysOnTheGridWhenARunStartsLate() {
    Schedule schedule = Schedule.every(Duration.ofSeconds(10));

    // due at 10s, the timer fired late and the run finished at 10.5s
    assertThat(schedule.nextRun(at(10), at(10).plusMillis(500))).isEqualTo(at(20));
  }

  @Test
  void everyCoalescesTicksMissedByAnOverrunIntoOneRun() {
    Schedule schedule = Schedule.every(Duration.ofSeconds(10));

    // the run due at 0s took 35s: ticks 10s, 20s and 30s are missed, the next run is the grid point 40s
    assertThat(schedule.nextRun(T0, at(35))).isEqualTo(at(40));
    // finishing exactly on a grid point runs at that point
    assertThat(schedule.nextRun(T0, at(30))).isEqualTo(at(30));
  }

  @Test
  void everyNeverRunsTwiceForTheSameGridPoint() {
    Schedule schedule = Schedule.every(Duration.ofSeconds(10));

    assertThat(schedule.nextRun(at(10), at(10))).isEqualTo(at(20));
    assertThat(schedule.nextRun(at(10), at(5))).isEqualTo(at(20)); // finishedAt before due (clock skew)
  }

  @Test
  void gridPointAtOrAfterIsAnchorPlusWholePeriods() {
    Duration period = Duration.ofMillis(250);

    assertThat(EverySchedule.gridPointAtOrAfter(T0, period, T0.minusSeconds(5))).isEqualTo(T0);
    assertThat(EverySchedule.gridPointAtOrAfter(T0, period, T0)).isEqualTo(T0);
    assertThat(EverySchedule.gridPointAtOrAfter(T0, period, T0.plusNanos(1))).isEqualTo(T0.plusMillis(250));
    assertThat(EverySchedule.gridPointAtOrAfter(T0, period, T0.plusMillis(1000))).isEqualTo(T0.plusMillis(1000));
    assertThat(EverySchedule.gridPointAtOrAfter(T0, period, T0.plusMillis(1001))).isEqualTo(T0.plusMillis(1250));
    assertThat(EverySchedule.gridPointAtOrAfter(T0, Duration.ofDays(1), T0.plus(Duration.ofDays(365 * 100 + 1))))
        .isEqualTo(T0.plus(Duration.ofDays(365 * 100 + 1)));
  }

  @Test
  void fixedDelayRunsAtStartThenDelayAfterEachFinish() {
    Schedule schedule = Schedule.fixedDelay(Duration.ofMinutes(1));

    Instant first = schedule.firstRun(T0);

    assertThat(first).isEqualTo(T0);
    assertThat(schedule.nextRun(first, at(5))).isEqualTo(at(65));
    assertThat(schedule.nextRun(at(65), at(300))).isEqualTo(at(360));
  }

  @Test
  void nonPositivePeriodsAreRejected() {
    assertThatThrownBy(() -> Schedule.every(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("period must be positive, was PT0S");
    assertThatThrownBy(() -> Schedule.fixedDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("delay must be positive, was PT-1S");
  }

  @Test
  void kindAndConfigForm() {
    assertThat(Schedule.every(Duration.ofSeconds(30))).hasToString("every 30s")
        .extracting(Schedule::kind).isEqualTo(Schedule.Kind.EVERY);
    assertThat(Schedule.fixedDelay(Duration.ofMillis(250))).hasToString("fixedDelay 250ms")
        .extracting(Schedule::kind).isEqualTo(Schedule.Kind.FIXED_DELAY);
    assertThat(Schedule.cron("0 0 * * * *")).hasToString("cron 0 0 * * * *")
        .extracting(Schedule::kind).isEqualTo(Schedule.Kind.CRON);
    assertThat(Schedule.cron("0 30 2 * * *", ZoneId.of("Europe/Paris")))
        .hasToString("cron 0 30 2 * * * zone=Europe/Paris");
    assertThat(Schedule.cron("0 0 * * * *", ZoneId.of("UTC"))).hasToString("cron 0 0 * * * *");
  }

  @Test
  void parseReadsEachForm() {
    assertThat(Schedule.parse("every 30s")).isEqualTo(Schedule.every(Duration.ofSeconds(30)));
    assertThat(Schedule.parse("  FixedDelay   1m ")).isEqualTo(Schedule.fixedDelay(Duration.ofMinutes(1)));
    assertThat(Schedule.parse("cron 0 0 * * * *")).isEqualTo(Schedule.cron("0 0 * * * *"));
    assertThat(Schedule.parse("cron 0 30 2 * * * zone=Europe/Paris"))
        .isEqualTo(Schedule.cron("0 30 2 * * *", ZoneId.of("Europe/Paris")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"every 30s", "every 250ms", "every 1d", "fixedDelay 1m", "fixedDelay 90s",
      "cron 0 */5 * * * *", "cron 0 30 2 * * MON-FRI zone=Europe/Berlin", "cron 0 0 0 L * * zone=America/New_York"})
  void parseRoundTrips(String text) {
    Schedule schedule = Schedule.parse(text);

    assertThat(schedule).hasToString(text);
    assertThat(Schedule.parse(schedule.toString())).isEqualTo(schedule);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "hourly", "every", "every 30", "every 0s", "every 30s 1m", "fixedDelay soon",
      "cron", "cron 0 0 * * *", "cron 0 0 * * * * zone=Mars/Olympus"})
  void badTextListsTheAllowedForms(String text) {
    assertThatThrownBy(() -> Schedule.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid schedule '" + text + "': ")
        .hasMessageContaining("Allowed forms: 'every <duration>' (e.g. every 30s), 'fixedDelay <duration>'")
        .hasMessageContaining("[zone=<zone id>]");
  }

  @Test
  void badTextSaysWhatIsWrong() {
    assertThatThrownBy(() -> Schedule.parse("hourly")).hasMessageContaining("unknown kind 'hourly'");
    assertThatThrownBy(() -> Schedule.parse("every 0s")).hasMessageContaining("it must be positive");
    assertThatThrownBy(() -> Schedule.parse("cron 0 0 * * * * zone=Mars/Olympus"))
        .hasMessageContaining("unknown time zone 'Mars/Olympus'");
    assertThatThrownBy(() -> Schedule.parse("cron 0 0 * * * * Europe/Paris"))
        .hasMessageContaining("write zone=Europe/Paris");
  }
}
