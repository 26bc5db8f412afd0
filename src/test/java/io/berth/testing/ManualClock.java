package io.berth.testing;

import io.berth.core.Clock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Clock} that only moves when a test {@link #advance advances} it. Due tasks run on the advancing thread, in
 * the order of their due times, with the clock set to each task's due time while it runs (as a punctual clock
 * thread would). Thread-safe: runners schedule from their event loops while the test advances.
 */
public final class ManualClock implements Clock {

  private final Instant origin;
  private long nanos;
  private long sequence;
  private final List<Task> tasks = new ArrayList<>();

  public ManualClock(Instant start) {
    this.origin = start;
  }

  @Override
  public synchronized Instant now() {
    return origin.plusNanos(nanos);
  }

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized Timer schedule(long delayNanos, Runnable task) {
    Task t = new Task(nanos + Math.max(0, delayNanos), sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (this) {
        return tasks.remove(t);
      }
    };
  }

  /** Moves the clock forward by {@code d}, running the tasks that come due on the way (not those they schedule late). */
  public void advance(Duration d) {
    long target;
    synchronized (this) {
      target = nanos + d.toNanos();
    }
    advanceToNanos(target);
  }

  /**
   * Moves the clock forward by {@code d} without running anything, as if the clock's thread had been held up: the
   * tasks that came due run late, with this later time, at the next {@link #advance}.
   */
  public synchronized void stall(Duration d) {
    nanos += d.toNanos();
  }

  /** Moves the clock forward to {@code instant} (never back), running the tasks that come due on the way. */
  public void advanceTo(Instant instant) {
    advanceToNanos(Duration.between(origin, instant).toNanos());
  }

  private void advanceToNanos(long target) {
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream().filter(t -> t.dueNanos <= target).min(ORDER).orElse(null);
        if (next == null) {
          nanos = Math.max(nanos, target);
          return;
        }
        tasks.remove(next);
        nanos = Math.max(nanos, next.dueNanos);
      }
      next.task.run();
    }
  }

  /** When the earliest pending task is due, if there is one. */
  public synchronized Optional<Instant> nextDue() {
    return tasks.stream().min(ORDER).map(t -> origin.plusNanos(t.dueNanos));
  }

  /** How many tasks are waiting to come due. */
  public synchronized int pending() {
    return tasks.size();
  }

  private static final Comparator<Task> ORDER =
      Comparator.comparingLong((Task t) -> t.dueNanos).thenComparingLong(t -> t.sequence);

  private record Task(long dueNanos, long sequence, Runnable task) {
  }
}
