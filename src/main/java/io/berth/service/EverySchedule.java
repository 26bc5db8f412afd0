package io.berth.service;

import java.time.Duration;
import java.time.Instant;

/** Fixed rate on a grid anchored at the first run; missed ticks coalesce into the next grid point. */
final class EverySchedule extends Schedule {

  private final Duration period;

  EverySchedule(Duration period) {
    this.period = period;
  }

  @Override
  public Kind kind() {
    return Kind.EVERY;
  }

  @Override
  public Instant firstRun(Instant start) {
    return start;
  }

  @Override
  public Instant nextRun(Instant lastScheduled, Instant finishedAt) {
    Instant earliest = lastScheduled.plus(period);
    return gridPointAtOrAfter(lastScheduled, period, finishedAt.isAfter(earliest) ? finishedAt : earliest);
  }

  /** The first point {@code anchor + k * period} ({@code k >= 0}) that is at or after {@code now}. */
  static Instant gridPointAtOrAfter(Instant anchor, Duration period, Instant now) {
    if (!now.isAfter(anchor)) {
      return anchor;
    }
    Duration elapsed = Duration.between(anchor, now);
    long periods = elapsed.dividedBy(period);
    if (period.multipliedBy(periods).compareTo(elapsed) < 0) {
      periods++;
    }
    return anchor.plus(period.multipliedBy(periods));
  }

  @Override
  public String toString() {
    return "every " + Durations.format(period);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EverySchedule other && period.equals(other.period);
  }

  @Override
  public int hashCode() {
    return period.hashCode();
  }
}
