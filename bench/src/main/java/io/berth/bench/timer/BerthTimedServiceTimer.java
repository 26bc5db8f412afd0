package io.berth.bench.timer;

import io.berth.bench.core.Futures;
import io.berth.host.Host;
import io.berth.service.Schedule;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.time.Instant;
import java.util.function.LongConsumer;

/**
 * A Berth timed service on {@code every(period)} with {@code initialDelay = period}: runs go to the service's
 * worker pool, so each tick includes the hop from the timer to a worker thread. Vert.x is created in the
 * constructor (outside the measurement), as the other systems' threads exist before their first tick.
 */
public final class BerthTimedServiceTimer implements TimerSystem {

  private final Vertx vertx = Vertx.vertx();
  private Host host;

  @Override public String name() { return "Berth timed service"; }

  @Override public void start(long periodNanos, Runnable onTick) throws Exception {
    Duration period = Duration.ofNanos(periodNanos);
    host = Host.builder().vertx(vertx, true)
        .timed("tick", run -> onTick.run(), o -> o.schedule(Schedule.every(period)).initialDelay(period))
        .build();
    Futures.await(host.start());
  }

  /** Reports each run with its grid index, from {@code run.scheduledAt()}: coalesced ticks show as missed. */
  @Override public void startIndexed(long periodNanos, LongConsumer onTickAt) throws Exception {
    Duration period = Duration.ofNanos(periodNanos);
    Instant[] first = new Instant[1];   // runs never overlap, and each starts after the previous one ended
    host = Host.builder().vertx(vertx, true)
        .timed("tick", run -> {
          if (first[0] == null) {
            first[0] = run.scheduledAt();
          }
          onTickAt.accept(Math.round(Duration.between(first[0], run.scheduledAt()).toNanos() / (double) periodNanos));
        }, o -> o.schedule(Schedule.every(period)).initialDelay(period))
        .build();
    Futures.await(host.start());
  }

  @Override public void close() throws Exception {
    Futures.await(host.stop());
  }

  @Override public String notes() {
    return "every(period), no overlap, run on a worker thread, lateness vs each run's scheduledAt grid point";
  }
}
