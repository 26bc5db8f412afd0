package io.berth.bench.timer;

import io.berth.bench.core.Futures;
import io.berth.host.Host;
import io.berth.service.Schedule;
import io.vertx.core.Vertx;

import java.time.Duration;

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

  @Override public void close() throws Exception {
    Futures.await(host.stop());
  }

  @Override public String notes() { return "every(period), no overlap, run on a worker thread"; }
}
