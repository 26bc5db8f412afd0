package io.berth.bench.timer;

import io.berth.bench.core.Futures;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/** Reference: Vert.x {@code setPeriodic} (event-loop timer), the substrate Berth runs on. */
public final class VertxPeriodicTimer implements TimerSystem {
  private Vertx vertx;

  @Override public String name() { return "Vert.x setPeriodic"; }

  @Override public void start(long periodNanos, Runnable onTick) {
    vertx = Vertx.vertx();
    long ms = TimeUnit.NANOSECONDS.toMillis(periodNanos);
    vertx.setPeriodic(ms, ms, id -> onTick.run());
  }

  @Override public void close() throws Exception {
    Futures.await(vertx.close());
  }

  @Override public String notes() { return "event loop"; }
}
