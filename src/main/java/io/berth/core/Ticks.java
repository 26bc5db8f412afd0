package io.berth.core;

import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The system {@link Clock}: one daemon thread with a {@link ScheduledThreadPoolExecutor}, which wakes within a
 * fraction of a millisecond of the requested instant, where an event-loop timer is often a millisecond or two
 * late. Its tasks only hand the tick to the service's own context; no user code runs on it.
 */
final class Ticks implements Clock {

  static final Ticks SYSTEM = new Ticks();

  private final ScheduledThreadPoolExecutor executor = executor();

  private Ticks() {
  }

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Timer schedule(long delayNanos, Runnable task) {
    ScheduledFuture<?> future = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  private static ScheduledThreadPoolExecutor executor() {
    ScheduledThreadPoolExecutor clock = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "berth-ticks");
      t.setDaemon(true);
      return t;
    });
    clock.setRemoveOnCancelPolicy(true);   // a cancelled far-off cron tick must not stay queued until it is due
    return clock;
  }
}
