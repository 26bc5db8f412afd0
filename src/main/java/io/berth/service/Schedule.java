package io.berth.service;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;

/**
 * When a timed service runs. Three kinds:
 * <ul>
 *   <li>{@link #every(Duration) every}: fixed rate on a grid anchored at the first run; a run that overruns one or
 *   more periods is followed by <em>one</em> run at the next grid point (missed ticks coalesce, never a burst);</li>
 *   <li>{@link #fixedDelay(Duration) fixedDelay}: the next run starts a delay after the previous one finished;</li>
 *   <li>{@link #cron(String, ZoneId) cron}: Spring-style 6-field cron evaluated in a time zone.</li>
 * </ul>
 * A schedule is an immutable value with no clock: the caller passes instants in, so the arithmetic is pure.
 * The runner asks {@link #firstRun(Instant)} once, then after each run {@link #nextRun(Instant, Instant)} with the
 * instant that run was scheduled for and the instant it finished.
 * <p>
 * The configuration form, read by {@link #parse(String)} and written by {@link #toString()}:
 * <pre>
 * every &lt;duration&gt;                          every 30s
 * fixedDelay &lt;duration&gt;                     fixedDelay 1m
 * cron &lt;6 fields&gt; [zone=&lt;zone id&gt;]          cron 0 30 2 * * * zone=Europe/Paris
 * </pre>
 * Durations are a positive number with a unit {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} (see
 * {@link Durations}); a cron without {@code zone=} is evaluated in UTC.
 */
public abstract sealed class Schedule permits EverySchedule, FixedDelaySchedule, CronSchedule {

  /** The kind of a schedule, as written in its configuration form. */
  public enum Kind { EVERY, FIXED_DELAY, CRON }

  static final String FORMS = "'every <duration>' (e.g. every 30s), 'fixedDelay <duration>' (e.g. fixedDelay 1m)"
      + " or 'cron <second> <minute> <hour> <day-of-month> <month> <day-of-week> [zone=<zone id>]'"
      + " (e.g. cron 0 30 2 * * * zone=Europe/Paris); durations: 250ms, 5s, 2m, 1h, 1d";

  Schedule() {
  }

  /**
   * Runs at a fixed rate: first run at start, then on the grid {@code first + k * period}.
   *
   * @throws IllegalArgumentException when {@code period} is not positive
   */
  public static Schedule every(Duration period) {
    return new EverySchedule(requirePositive(period, "period"));
  }

  /**
   * Runs at start, then {@code delay} after each run finished.
   *
   * @throws IllegalArgumentException when {@code delay} is not positive
   */
  public static Schedule fixedDelay(Duration delay) {
    return new FixedDelaySchedule(requirePositive(delay, "delay"));
  }

  /**
   * Runs at the fire times of a Spring-style cron expression with six fields, seconds first
   * ({@code "0 *}{@code /5 * * * *"}: every five minutes), evaluated in {@code zone}. The expression is parsed here.
   *
   * @throws IllegalArgumentException when the expression is invalid or never fires; the message says why and gives
   *     an example of a valid one
   */
  public static Schedule cron(String expression, ZoneId zone) {
    return new CronSchedule(expression, zone);
  }

  /** {@link #cron(String, ZoneId)} in UTC. */
  public static Schedule cron(String expression) {
    return cron(expression, ZoneOffset.UTC);
  }

  /**
   * Reads the configuration form (see the class comment); keywords are case-insensitive.
   *
   * @throws IllegalArgumentException when {@code text} is not one of the allowed forms; the message lists them
   */
  public static Schedule parse(String text) {
    String[] tokens = text == null ? new String[0] : text.strip().split("\\s+");
    String keyword = tokens.length == 0 ? "" : tokens[0].toLowerCase(Locale.ROOT);
    try {
      return switch (keyword) {
        case "every" -> every(Durations.parse(single(tokens)));
        case "fixeddelay" -> fixedDelay(Durations.parse(single(tokens)));
        case "cron" -> parseCron(Arrays.copyOfRange(tokens, 1, tokens.length));
        default -> throw new IllegalArgumentException("unknown kind '" + (tokens.length == 0 ? "" : tokens[0]) + "'");
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Invalid schedule '" + text + "': " + e.getMessage()
          + ". Allowed forms: " + FORMS, e);
    }
  }

  /** The kind of this schedule. */
  public abstract Kind kind();

  /**
   * When the first run is due for a service started at {@code start}: {@code start} itself for {@code every} and
   * {@code fixedDelay}, the first fire time strictly after {@code start} for {@code cron}.
   */
  public abstract Instant firstRun(Instant start);

  /**
   * When the run after the previous one is due.
   * <ul>
   *   <li>{@code every}: the first grid point {@code lastScheduled + k * period} ({@code k >= 1}) at or after
   *   {@code finishedAt}; since the grid points are all anchored at the first run, this is "the first point of the
   *   grid at or after now", and an overrun of several periods yields one run, not a burst;</li>
   *   <li>{@code fixedDelay}: {@code finishedAt + delay};</li>
   *   <li>{@code cron}: the first fire time strictly after both instants.</li>
   * </ul>
   *
   * @param lastScheduled the instant the previous run was due (the value returned by {@code firstRun} or
   *     {@code nextRun}), not when it actually started, which may be later
   * @param finishedAt when the previous run finished
   */
  public abstract Instant nextRun(Instant lastScheduled, Instant finishedAt);

  /** The configuration form, which {@link #parse(String)} reads back to an equal schedule. */
  @Override
  public abstract String toString();

  private static Schedule parseCron(String[] fields) {
    String last = fields.length == 0 ? "" : fields[fields.length - 1];
    if (!last.regionMatches(true, 0, "zone=", 0, 5)) {
      return cron(String.join(" ", fields));
    }
    String zone = last.substring(5);
    try {
      return cron(String.join(" ", Arrays.copyOf(fields, fields.length - 1)), ZoneId.of(zone));
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + zone + "' (use a region id such as Europe/Paris,"
          + " or UTC)");
    }
  }

  private static String single(String[] tokens) {
    if (tokens.length != 2) {
      throw new IllegalArgumentException("'" + tokens[0] + "' takes exactly one duration");
    }
    return tokens[1];
  }

  private static Duration requirePositive(Duration duration, String what) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, was " + duration);
    }
    return duration;
  }
}
