package io.berth.bench.timer;

/**
 * Extension point for the timer-accuracy workload. Implementations fire {@code onTick} at a fixed
 * rate: first tick one period after {@code start} is called, then every period (fixed-rate grid,
 * not fixed-delay). Berth's timed service becomes one more implementation in {@link TimerSystems}.
 */
public interface TimerSystem {
  String name();

  void start(long periodNanos, Runnable onTick) throws Exception;

  void close() throws Exception;

  default String notes() { return ""; }
}
