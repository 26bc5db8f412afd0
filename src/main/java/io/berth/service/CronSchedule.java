package io.berth.service;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Objects;
import java.util.Optional;

/**
 * A Spring-style (5.3) cron expression evaluated with cron-utils in a time zone.
 * <p>
 * DST: when clocks go back, a local time that happens twice fires once (at its first occurrence) for a daily job,
 * while an hourly or minute job keeps firing every real hour or minute, both times with the correct offset. When
 * clocks go forward, cron-utils alone would silently skip fire times inside the gap (a daily {@code 0 30 2 * * *} job
 * would not run at all on that day in Europe/Berlin); like Vixie cron, we instead run such a job once at the end of
 * the gap (03:00 local).
 */
final class CronSchedule extends Schedule {

  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));
  private static final Instant REFERENCE = Instant.parse("2000-01-01T00:00:00Z");
  private static final String EXAMPLE = "expected 6 fields: second minute hour day-of-month month day-of-week,"
      + " e.g. '0 */5 * * * *' (every five minutes) or '0 30 2 * * MON-FRI' (02:30 on weekdays)";

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime execution;

  CronSchedule(String expression, ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    this.expression = expression == null ? "" : String.join(" ", expression.strip().split("\\s+"));
    this.zone = zone.normalized().equals(ZoneOffset.UTC) ? ZoneOffset.UTC : zone;
    this.execution = ExecutionTime.forCron(parseExpression(this.expression));
    if (execution.nextExecution(REFERENCE.atZone(this.zone)).isEmpty()) {
      throw invalid(this.expression, "it never fires");
    }
  }

  @Override
  public Kind kind() {
    return Kind.CRON;
  }

  @Override
  public Instant firstRun(Instant start) {
    return fireTimeAfter(start);
  }

  @Override
  public Instant nextRun(Instant lastScheduled, Instant finishedAt) {
    return fireTimeAfter(finishedAt.isAfter(lastScheduled) ? finishedAt : lastScheduled);
  }

  /**
   * The first fire time strictly after {@code after}, including a fire time moved to the end of a DST gap. Fire times
   * are whole seconds: cron-utils keeps the fraction of the instant it is given (11.077 gave 12.077), so the search
   * starts from {@code after} truncated to the second, which finds the same next second without the fraction.
   */
  Instant fireTimeAfter(Instant after) {
    Instant from = after.truncatedTo(ChronoUnit.SECONDS);
    Instant candidate = execution.nextExecution(from.atZone(zone)).map(ZonedDateTime::toInstant)
        .map(t -> t.truncatedTo(ChronoUnit.SECONDS))
        .orElseThrow(() -> new IllegalStateException("cron '" + expression + "' has no fire time after " + after));
    ZoneRules rules = zone.getRules();
    for (ZoneOffsetTransition t = rules.nextTransition(after);
         t != null && t.getInstant().isBefore(candidate);
         t = rules.nextTransition(t.getInstant())) {
      if (t.isGap() && firesInGap(t)) {
        return t.getInstant();
      }
    }
    return candidate;
  }

  /** Whether a local time skipped by {@code gap} matches, judged on the wall clock as if it had not jumped. */
  private boolean firesInGap(ZoneOffsetTransition gap) {
    ZonedDateTime justBefore = gap.getDateTimeBefore().atZone(gap.getOffsetBefore()).minusNanos(1);
    Optional<ZonedDateTime> next = execution.nextExecution(justBefore);
    return next.isPresent() && next.get().toLocalDateTime().isBefore(gap.getDateTimeAfter());
  }

  @Override
  public String toString() {
    return "cron " + expression + (zone.equals(ZoneOffset.UTC) ? "" : " zone=" + zone.getId());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule other && expression.equals(other.expression) && zone.equals(other.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(expression, zone);
  }

  private static Cron parseExpression(String expression) {
    if (expression.isEmpty()) {
      throw invalid(expression, "it is empty");
    }
    String[] fields = expression.split(" ");
    if (fields.length != 6 && !expression.startsWith("@")) {
      throw invalid(expression, "it has " + fields.length + " fields" + fieldCountHint(fields));
    }
    try {
      return PARSER.parse(expression).validate();
    } catch (IllegalArgumentException e) {
      throw invalid(expression, e.getMessage());
    }
  }

  /** Spots the two usual mistakes: a Unix 5-field cron, and a zone given without {@code zone=}. */
  private static String fieldCountHint(String[] fields) {
    String last = fields[fields.length - 1];
    if (fields.length == 5) {
      return " (a Unix cron has 5 fields; add the seconds first, e.g. '0 " + String.join(" ", fields) + "')";
    }
    if (fields.length == 7 && last.contains("/")) {
      return " (to give a time zone in the configuration form, write zone=" + last + ")";
    }
    return "";
  }

  private static IllegalArgumentException invalid(String expression, String why) {
    return new IllegalArgumentException("Invalid cron expression '" + expression + "': " + why + "; " + EXAMPLE);
  }
}
