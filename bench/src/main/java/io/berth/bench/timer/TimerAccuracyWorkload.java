package io.berth.bench.timer;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Workload 3: fixed-rate timer at 10 ms; tick k is late by {@code t_k - (anchor + k*period)} where the anchor
 * aligns each system's own grid as early as its ticks allow, so start-up cost is left out and drift and jitter
 * remain. Each tick is matched to the grid point it was due at ({@link TimerSystem#startIndexed}); a grid point a
 * coalescing system skipped is reported as missed instead of shifting every later tick by a period. Reports
 * lateness p50/p99/max in ms and the missed ticks.
 */
public final class TimerAccuracyWorkload implements Workload {
  public static final String NAME = "timer-accuracy";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    List<Result> out = new ArrayList<>();
    int ticks = cfg.timerTicks();
    long period = TimeUnit.MILLISECONDS.toNanos(cfg.timerPeriodMillis());
    for (Supplier<TimerSystem> f : TimerSystems.all()) {
      TimerSystem probe = f.get();
      if (!cfg.systemSelected(probe.getClass().getSimpleName()) && !cfg.systemSelected(probe.name())) continue;
      Harness.Repeated r = Harness.repeat(NAME + " " + probe.name(), cfg.warmups(), cfg.slowReps(), i -> {
        TimerSystem sys = i == 0 ? probe : f.get();
        // The warm-up only has to start the system's threads and JIT its path: a fifth of the ticks.
        return once(sys, i < cfg.warmups() ? Math.max(10, ticks / 5) : ticks, period);
      });
      String n = probe.notes() + (probe.notes().isEmpty() ? "" : "; ") + ticks + " ticks @ " + cfg.timerPeriodMillis() + " ms";
      out.add(Harness.result(NAME, probe.name(), r, "late p50", "ms", false, n));
      out.add(Harness.result(NAME, probe.name(), r, "late p99", "ms", false, ""));
      out.add(Harness.result(NAME, probe.name(), r, "late max", "ms", false, ""));
      out.add(Harness.result(NAME, probe.name(), r, "missed", "ticks", false, ""));
    }
    return out;
  }

  static Map<String, Double> once(TimerSystem sys, int ticks, long period) throws Exception {
    Histogram h = new Histogram(3);
    CountDownLatch done = new CountDownLatch(1);
    long[] times = new long[ticks];
    boolean[] seen = new boolean[ticks];
    int[] count = new int[1];
    // Ticks come one at a time (each system runs them on one thread, or one after another).
    LongConsumer tick = index -> {
      long now = System.nanoTime();
      if (index >= 0 && index < ticks && !seen[(int) index]) {
        seen[(int) index] = true;
        times[(int) index] = now;
        count[0]++;
      }
      if (index >= ticks - 1) done.countDown();
    };
    sys.startIndexed(period, tick);
    try {
      long bound = ticks * period + TimeUnit.SECONDS.toNanos(10);
      if (!done.await(bound, TimeUnit.NANOSECONDS)) {
        throw new Harness.RunTimeout("only " + count[0] + "/" + ticks + " ticks", null);
      }
    } finally {
      try {
        sys.close();
      } catch (Exception e) {
        Log.progress("timer close failed: %s", e);
      }
    }
    // Each system's own grid, aligned as early as its ticks allow: anchor = min_k(t_k - k*period). What a system
    // does before its first tick (building a host, deploying a verticle) is start-up, not timer accuracy, and
    // would otherwise show as a constant lateness; against this grid every tick is late by >= 0.
    // A grid point without a tick (coalesced by a system that never bursts) is counted as missed, not as lateness.
    long anchor = Long.MAX_VALUE;
    for (int i = 0; i < ticks; i++) {
      if (seen[i]) anchor = Math.min(anchor, times[i] - i * period);
    }
    for (int i = 0; i < ticks; i++) {
      if (seen[i]) h.recordValue(times[i] - (anchor + i * period));
    }
    Map<String, Double> m = new LinkedHashMap<>();
    synchronized (h) {
      m.put("late p50", h.getValueAtPercentile(50) / 1e6);
      m.put("late p99", h.getValueAtPercentile(99) / 1e6);
      m.put("late max", h.getMaxValue() / 1e6);
      m.put("missed", (double) (ticks - count[0]));
    }
    return m;
  }
}
