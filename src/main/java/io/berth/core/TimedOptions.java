package io.berth.core;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.service.Schedule;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a timed service runs. Config keys under {@code services.<name>}: {@code schedule} ({@code every 30s},
 * {@code fixedDelay 1m}, {@code cron 0 0 * * * * [zone=Europe/Paris]}), {@code initialDelay} (0s), {@code runOnStart}
 * (false), {@code jitter} (0s), {@code timeout} (0s: none), {@code maxConcurrentRuns} (1: runs never overlap),
 * {@code misfire} ({@code runOnce}: a run missed while the host was down is made up once at start; or {@code skip}).
 */
public final class TimedOptions {

  /**
   * What a timed service does at start when the host's {@link RunLedger} says a planned run was missed while the host
   * was down. Either way it is never a burst, however many runs were missed.
   */
  public enum Misfire {
    /** Runs once at start (the default), then goes on with the schedule. */
    RUN_ONCE("runOnce"),
    /** Runs nothing for the missed runs; the next run is the schedule's next one. */
    SKIP("skip");

    private final String label;

    Misfire(String label) {
      this.label = label;
    }

    /** The configuration form: {@code runOnce} or {@code skip}. */
    public String label() {
      return label;
    }
  }

  private Schedule schedule;
  private Duration initialDelay = Duration.ZERO;
  private boolean runOnStart;
  private Duration jitter = Duration.ZERO;
  private Duration timeout;
  private int maxConcurrentRuns = 1;
  private Misfire misfire = Misfire.RUN_ONCE;

  public TimedOptions schedule(Schedule schedule) {
    this.schedule = Objects.requireNonNull(schedule);
    return this;
  }

  /** Delays the first scheduled run; for {@code every}, the grid is anchored at start plus this delay. */
  public TimedOptions initialDelay(Duration initialDelay) {
    this.initialDelay = Objects.requireNonNull(initialDelay);
    return this;
  }

  /** Also runs once as soon as the service starts, when the schedule's first run is later. */
  public TimedOptions runOnStart(boolean runOnStart) {
    this.runOnStart = runOnStart;
    return this;
  }

  /** Delays each run by a random amount up to {@code jitter}, so that a fleet does not run in lockstep. */
  public TimedOptions jitter(Duration jitter) {
    if (jitter.isNegative()) {
      throw new IllegalArgumentException("jitter must not be negative, was " + jitter);
    }
    this.jitter = jitter;
    return this;
  }

  /** Cancels a run's token after {@code timeout}; the run is recorded as timed out. Zero means no timeout. */
  public TimedOptions timeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    this.timeout = timeout.isZero() ? null : timeout;
    return this;
  }

  /** How many runs may overlap; 1 (the default) means a run never starts while the previous one still runs. */
  public TimedOptions maxConcurrentRuns(int maxConcurrentRuns) {
    if (maxConcurrentRuns < 1) {
      throw new IllegalArgumentException("maxConcurrentRuns must be at least 1, not " + maxConcurrentRuns);
    }
    this.maxConcurrentRuns = maxConcurrentRuns;
    return this;
  }

  /**
   * What to do at start about a run missed while the host was down (needs a {@link RunLedger}; without one a
   * service starts afresh): {@link Misfire#RUN_ONCE} (the default) or {@link Misfire#SKIP}.
   */
  public TimedOptions misfire(Misfire misfire) {
    this.misfire = Objects.requireNonNull(misfire, "misfire");
    return this;
  }

  /** Overrides these options with whatever {@code section} ({@code services.<name>}) sets. */
  void readConfig(ConfigReader section) {
    if (section.has("schedule")) {
      String text = section.string("schedule", null);
      try {
        schedule = Schedule.parse(text);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(section.key("schedule"), e.getMessage());
      }
    }
    initialDelay = section.duration("initialDelay", initialDelay, Duration.ZERO);
    runOnStart = section.bool("runOnStart", runOnStart);
    jitter = section.duration("jitter", jitter, Duration.ZERO);
    Duration t = section.duration("timeout", timeout == null ? Duration.ZERO : timeout, Duration.ZERO);
    timeout = t.isZero() ? null : t;
    maxConcurrentRuns = section.integer("maxConcurrentRuns", maxConcurrentRuns, 1, 1000);
    Map<String, Misfire> misfires = new LinkedHashMap<>();
    for (Misfire m : Misfire.values()) {
      misfires.put(m.label(), m);
    }
    misfire = section.choice("misfire", misfire, misfires);
    if (schedule == null) {
      throw new ConfigException(section.key("schedule"), "is required for a timed service: use every <duration>,"
          + " fixedDelay <duration> or cron <6 fields>");
    }
  }

  Schedule schedule() {
    return schedule;
  }

  Duration initialDelay() {
    return initialDelay;
  }

  boolean runOnStart() {
    return runOnStart;
  }

  Duration jitter() {
    return jitter;
  }

  Duration timeout() {
    return timeout;
  }

  int maxConcurrentRuns() {
    return maxConcurrentRuns;
  }

  Misfire misfire() {
    return misfire;
  }
}
