package io.berth.bench.timer;

import java.util.List;
import java.util.function.Supplier;

public final class TimerSystems {
  private TimerSystems() {}

  /** Add the Berth timed service here (one line). */
  public static List<Supplier<TimerSystem>> all() {
    return List.of(
        BerthTimedServiceTimer::new,
        ScheduledExecutorTimer::new,
        VertxPeriodicTimer::new
    );
  }
}
