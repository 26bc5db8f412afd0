package io.berth.bench.timer;

import java.util.function.LongConsumer;

/**
 * Extension point for the timer-accuracy workload. Implementations fire {@code onTick} at a fixed
 * rate: first tick one period after {@code start} is called, then every period (fixed-rate grid,
 * not fixed-delay). Berth's timed service becomes one more implementation in {@link TimerSystems}.
 */
public interface TimerSystem {
  String name();

  void start(long periodNanos, Runnable onTick) throws Exception;

  /**
   * Like {@link #start(long, Runnable)}, but each tick is reported with the index {@code k} of the grid point
   * {@code t0 + k * period} it was due at, so that lateness is measured against the tick's own grid point. A system
   * that coalesces missed ticks (Berth's timed service) skips indices, which the workload reports as missed ticks
   * rather than as a period of lateness on every later tick. The default numbers the ticks in the order they come,
   * which is right for a system that never drops one.
   */
  default void startIndexed(long periodNanos, LongConsumer onTickAt) throws Exception {
    long[] k = {0};
    start(periodNanos, () -> onTickAt.accept(k[0]++));
  }

  void close() throws Exception;

  default String notes() { return ""; }
}
