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
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Workload 3: fixed-rate timer at 10 ms; tick k (k = 1..N) is late by {@code now - (t0 + k*period)}
 * where t0 is taken just before {@code start}. Reports lateness p50/p99/max in ms.
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
        return once(sys, ticks, period);
      });
      String n = probe.notes() + (probe.notes().isEmpty() ? "" : "; ") + ticks + " ticks @ " + cfg.timerPeriodMillis() + " ms";
      out.add(Harness.result(NAME, probe.name(), r, "late p50", "ms", false, n));
      out.add(Harness.result(NAME, probe.name(), r, "late p99", "ms", false, ""));
      out.add(Harness.result(NAME, probe.name(), r, "late max", "ms", false, ""));
    }
    return out;
  }

  static Map<String, Double> once(TimerSystem sys, int ticks, long period) throws Exception {
    Histogram h = new Histogram(3);
    CountDownLatch done = new CountDownLatch(1);
    long[] k = new long[1];
    long[] t0 = new long[1];
    Runnable tick = () -> {
      long now = System.nanoTime();
      if (k[0] >= ticks) return;
      k[0]++;
      synchronized (h) {
        h.recordValue(Math.max(0, now - (t0[0] + k[0] * period)));
      }
      if (k[0] == ticks) done.countDown();
    };
    t0[0] = System.nanoTime();
    sys.start(period, tick);
    try {
      long bound = ticks * period + TimeUnit.SECONDS.toNanos(10);
      if (!done.await(bound, TimeUnit.NANOSECONDS)) {
        throw new Harness.RunTimeout("only " + k[0] + "/" + ticks + " ticks", null);
      }
    } finally {
      try {
        sys.close();
      } catch (Exception e) {
        Log.progress("timer close failed: %s", e);
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    synchronized (h) {
      m.put("late p50", h.getValueAtPercentile(50) / 1e6);
      m.put("late p99", h.getValueAtPercentile(99) / 1e6);
      m.put("late max", h.getMaxValue() / 1e6);
    }
    return m;
  }
}
