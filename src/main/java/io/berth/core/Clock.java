package io.berth.core;

import java.time.Instant;

/**
 * Where timed services get their time: the current instant, a monotonic reading and one-shot wake-ups. The host
 * uses {@link #system()}; a test passes a manual clock that it advances, so that schedules are checked without
 * waiting for the wall clock.
 * <p>
 * A scheduled task runs on the clock's own thread and must only hand its work off (e.g. to a Vert.x context): it
 * holds up every other task of the clock while it runs.
 */
public interface Clock {

  /** The current instant; the schedules' grid, cron fire times and {@code RunContext.scheduledAt} are on this time line. */
  Instant now();

  /** A monotonic reading in nanoseconds, only meaningful as a difference between two readings of this clock. */
  long nanoTime();

  /**
   * Runs {@code task} once, {@code delayNanos} from now (at once when not positive), on the clock's thread.
   *
   * @return a handle that cancels the task if it has not started yet
   */
  Timer schedule(long delayNanos, Runnable task);

  /** A task planned by {@link #schedule(long, Runnable)}. */
  @FunctionalInterface
  interface Timer {

    /** Prevents the task from running if it has not started; false when it already ran, started or was cancelled. */
    boolean cancel();
  }

  /**
   * The system clock: {@link Instant#now()}, {@link System#nanoTime()} and one shared daemon thread,
   * {@code berth-ticks}, that wakes within a fraction of a millisecond of the requested time.
   */
  static Clock system() {
    return Ticks.SYSTEM;
  }
}
