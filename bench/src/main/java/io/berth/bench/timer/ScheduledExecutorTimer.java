package io.berth.bench.timer;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Baseline: ScheduledThreadPoolExecutor(1).scheduleAtFixedRate. */
public final class ScheduledExecutorTimer implements TimerSystem {
  private ScheduledThreadPoolExecutor stpe;

  @Override public String name() { return "ScheduledThreadPoolExecutor"; }

  @Override public void start(long periodNanos, Runnable onTick) {
    stpe = new ScheduledThreadPoolExecutor(1);
    stpe.scheduleAtFixedRate(onTick, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  @Override public void close() throws InterruptedException {
    stpe.shutdownNow();
    stpe.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override public String notes() { return "scheduleAtFixedRate"; }
}
