package io.berth.bench.queue;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Workload 2: items paced at a fixed rate (absolute target times, parkNanos), each carrying its
 * submit {@code nanoTime}; the handler records start-of-execution minus submit time (ns) into an
 * HdrHistogram. Reports p50/p99/max in ms (median across repetitions).
 */
public final class QueueLatencyWorkload implements Workload {
  public static final String NAME = "queue-latency";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    int rate = cfg.latencyRatePerSec();
    return QueueRuns.forEachSystem(NAME, cfg, QueueKind.LATENCY, cfg.latencyItems(), (sys, dispatch, items, notes) -> {
      Harness.Repeated r = QueueRuns.repeat(NAME + " " + sys.name(), cfg, sys, i -> once(cfg, sys, dispatch, i < QueueRuns.warmupsFor(cfg, sys) ? cfg.warmupItems(items) : items, rate));
      String n = notes + (notes.isEmpty() ? "" : "; ") + (notes.contains("items reduced") ? "" : items + " items ") + "@ " + rate + "/s";
      double achieved = r.median("submit rate");
      if (achieved < rate * 0.95) {
        n += String.format(Locale.ROOT, "; producer only reached %.0f/s", achieved);
      }
      List<Result> out = new ArrayList<>();
      out.add(Harness.result(NAME, sys.name(), r, "p50", "ms", false, n));
      out.add(Harness.result(NAME, sys.name(), r, "p99", "ms", false, ""));
      out.add(Harness.result(NAME, sys.name(), r, "max", "ms", false, ""));
      return out;
    });
  }

  static Map<String, Double> once(BenchConfig cfg, QueueSystem sys, QueueRuns.Dispatch dispatch, int items, int rate)
      throws Exception {
    ConcurrentHistogram h = new ConcurrentHistogram(3);
    AtomicLong remaining = new AtomicLong(items);
    CountDownLatch done = new CountDownLatch(1);
    dispatch.target = submittedAt -> {
      h.recordValue(Math.max(0, System.nanoTime() - submittedAt));
      if (remaining.decrementAndGet() == 0) done.countDown();
    };
    long interval = 1_000_000_000L / rate;
    long t0 = System.nanoTime() + 1_000_000;
    long deadline = t0 + cfg.runTimeout().toNanos();
    for (int i = 0; i < items; i++) {
      long target = t0 + i * interval;
      long now;
      while ((now = System.nanoTime()) < target) LockSupport.parkNanos(target - now);
      sys.submit(System.nanoTime());
      if (now > deadline) break;
    }
    long submitEnd = System.nanoTime();
    double submitRate = items / ((submitEnd - t0) / 1e9);
    long left = deadline - System.nanoTime();
    if (!done.await(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
      throw new Harness.RunTimeout((items - remaining.get()) + "/" + items + " items done in "
          + cfg.runTimeout().toSeconds() + "s", null);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("p50", h.getValueAtPercentile(50) / 1e6);
    m.put("p99", h.getValueAtPercentile(99) / 1e6);
    m.put("max", h.getMaxValue() / 1e6);
    m.put("submit rate", submitRate);
    return m;
  }
}
