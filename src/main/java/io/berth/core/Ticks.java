package io.berth.core;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The clock of timed services: one daemon thread with a {@link ScheduledThreadPoolExecutor}, which wakes within a
 * fraction of a millisecond of the requested instant, where an event-loop timer is often a millisecond or two
 * late. It only hands the tick to the service's own context; no user code runs on it.
 */
final class Ticks {

  private static final ScheduledThreadPoolExecutor CLOCK = clock();

  private Ticks() {
  }

  static ScheduledFuture<?> at(long delayNanos, Runnable tick) {
    return CLOCK.schedule(tick, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }

  private static ScheduledThreadPoolExecutor clock() {
    ScheduledThreadPoolExecutor clock = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "berth-ticks");
      t.setDaemon(true);
      return t;
    });
    clock.setRemoveOnCancelPolicy(true);
    return clock;
  }
}
