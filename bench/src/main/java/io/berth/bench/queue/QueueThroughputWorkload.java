package io.berth.bench.queue;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Workload 1: N no-op items submitted by one producer as fast as {@code submit} returns; the clock
 * stops when the last item has started (every item has run). Reports items/s (end to end) and the
 * producer's submit rate.
 */
public final class QueueThroughputWorkload implements Workload {
  public static final String NAME = "queue-throughput";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    return QueueRuns.forEachSystem(NAME, cfg, QueueKind.THROUGHPUT, cfg.throughputItems(), (sys, dispatch, items, notes) -> {
      Harness.Repeated r = QueueRuns.repeat(NAME + " " + sys.name(), cfg, sys, i -> once(cfg, sys, dispatch, i < QueueRuns.warmupsFor(cfg, sys) ? cfg.warmupItems(items) : items));
      String n = notes + (notes.contains("items reduced") ? "" : (notes.isEmpty() ? "" : "; ") + items + " items");
      return List.of(
          Harness.result(NAME, sys.name(), r, "items/s", "items/s", true, n),
          Harness.result(NAME, sys.name(), r, "submit rate", "items/s", true, ""));
    });
  }

  static Map<String, Double> once(BenchConfig cfg, QueueSystem sys, QueueRuns.Dispatch dispatch, int items)
      throws Exception {
    AtomicLong remaining = new AtomicLong(items);
    CountDownLatch done = new CountDownLatch(1);
    long[] end = new long[1];
    dispatch.target = p -> {
      if (remaining.decrementAndGet() == 0) {
        end[0] = System.nanoTime();
        done.countDown();
      }
    };
    long timeoutNs = cfg.runTimeout().toNanos();
    long t0 = System.nanoTime();
    long deadline = t0 + timeoutNs;
    for (int i = 0; i < items; i++) {
      sys.submit(i);
      if ((i & 255) == 0 && System.nanoTime() > deadline) break;
    }
    long submitted = System.nanoTime();
    long left = deadline - System.nanoTime();
    if (!done.await(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
      long finished = items - remaining.get();
      double secs = (System.nanoTime() - t0) / 1e9;
      throw new Harness.RunTimeout(finished + "/" + items + " items done in " + cfg.runTimeout().toSeconds() + "s",
          Map.of("items/s", finished / secs));
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("items/s", items / ((end[0] - t0) / 1e9));
    m.put("submit rate", items / ((submitted - t0) / 1e9));
    return m;
  }
}
