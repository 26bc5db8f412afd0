package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.PeriodicTimer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The seed's {@code PeriodicTimer} loop, as a background service: one tick per period until the token is cancelled. */
public final class PeriodicTimerLoop implements BackgroundService {

  private final Duration period;
  final AtomicInteger ticks = new AtomicInteger();

  public PeriodicTimerLoop(Duration period) {
    this.period = period;
  }

  @Override
  public void execute(CancellationToken token) {
    PeriodicTimer timer = new PeriodicTimer(period);
    while (timer.waitForNextTick(token)) {
      ticks.incrementAndGet();
    }
  }
}
