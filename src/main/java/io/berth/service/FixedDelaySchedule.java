package io.berth.service;

import java.time.Duration;
import java.time.Instant;

/** The next run starts a fixed delay after the previous one finished. */
final class FixedDelaySchedule extends Schedule {

  private final Duration delay;

  FixedDelaySchedule(Duration delay) {
    this.delay = delay;
  }

  @Override
  public Kind kind() {
    return Kind.FIXED_DELAY;
  }

  @Override
  public Instant firstRun(Instant start) {
    return start;
  }

  @Override
  public Instant nextRun(Instant lastScheduled, Instant finishedAt) {
    return finishedAt.plus(delay);
  }

  @Override
  public String toString() {
    return "fixedDelay " + Durations.format(delay);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FixedDelaySchedule other && delay.equals(other.delay);
  }

  @Override
  public int hashCode() {
    return delay.hashCode();
  }
}
