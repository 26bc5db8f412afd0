package io.berth.bench.durable;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Durable end to end, with 4 workers: (1) N no-op items enqueued by 64 producers, accept → run → succeeded, the
 * clock stopping when the last item has run: items/s; (2) items paced at 1,000/s (absolute target times, handed to 16
 * submitting threads so that a blocking JDBC insert does not slow the pace), enqueue-to-start p50/p99 measured from
 * the enqueue call to the first line of the handler.
 */
public final class DurableE2eWorkload implements Workload {
  public static final String NAME = "durable-e2e";
  static final int SUBMITTERS = 16;

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    int workers = cfg.durableWorkers();
    List<Result> out = new ArrayList<>();
    out.addAll(DurableRuns.forEach(NAME, cfg, DurableSystems.Part.E2E_THROUGHPUT, DurableSystems.throughput(),
        workers, (sys, dispatch) -> {
      int items = Math.min(cfg.e2eItems(), sys.maxE2eItems(cfg.quick()));
      Harness.Repeated r = Harness.repeat(NAME + " throughput " + sys.name(), cfg.warmups(), cfg.slowReps(),
          i -> throughput(cfg, sys, dispatch, i < cfg.warmups() ? cfg.e2eWarmupItems(items) : items));
      String notes = sys.notes() + "; " + workers + " workers, " + items + " items"
          + (items < cfg.e2eItems() ? " (reduced from " + cfg.e2eItems() + ")" : "");
      return List.of(Harness.result(NAME, sys.name(), r, "items/s", "items/s", true, notes));
    }));
    int rate = cfg.e2eRatePerSec();
    out.addAll(DurableRuns.forEach(NAME, cfg, DurableSystems.Part.E2E_LATENCY, DurableSystems.latency(), workers, (sys, dispatch) -> {
      int items = Math.min(cfg.e2eLatencyItems(), sys.maxE2eItems(cfg.quick()));
      // A peer at its default poll: unwarmed (each start waits 10-15 s), but 3 runs: one run lands anywhere in the
      // poll's phase (its p50 was 1.0 s once, 13.9 s in the run before).
      int warm = sys.pollBound() ? 0 : cfg.warmups();
      int reps = cfg.slowReps();
      Harness.Repeated r = Harness.repeat(NAME + " latency " + sys.name(), warm, reps,
          // A warm-up as long as a run: the system was started for this part (new connections, cold caches).
          i -> latency(cfg, sys, dispatch, items, rate));
      String n = sys.notes() + "; " + items + " items @ " + rate + "/s";
      double achieved = r.median("submit rate");
      if (achieved < rate * 0.95) n += String.format(Locale.ROOT, "; producer only reached %.0f/s", achieved);
      List<Result> res = new ArrayList<>();
      res.add(Harness.result(NAME, sys.name(), r, "start p50 @1000/s", "ms", false, n));
      res.add(Harness.result(NAME, sys.name(), r, "start p99 @1000/s", "ms", false, ""));
      return res;
    }));
    return out;
  }

  static Map<String, Double> throughput(BenchConfig cfg, DurableSystem sys, DurableRuns.Dispatch dispatch, int items)
      throws Exception {
    AtomicLong done = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    dispatch.target = p -> {
      if (done.incrementAndGet() == items) all.countDown();
    };
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Exception> failure = new AtomicReference<>();
    ExecutorService producers = Executors.newFixedThreadPool(cfg.durableProducers());
    long t0 = System.nanoTime();
    try {
      for (int p = 0; p < cfg.durableProducers(); p++) {
        producers.execute(() -> {
          try {
            int i;
            while (failure.get() == null && (i = next.getAndIncrement()) < items) sys.enqueue(i);
          } catch (Exception e) {
            failure.compareAndSet(null, e);
          }
        });
      }
      long deadline = t0 + cfg.durableRunTimeout().toNanos();
      while (!all.await(100, TimeUnit.MILLISECONDS)) {
        if (failure.get() != null) throw failure.get();
        if (System.nanoTime() > deadline) {
          double s = (System.nanoTime() - t0) / 1e9;
          throw new Harness.RunTimeout(done.get() + "/" + items + " items done in " + Math.round(s) + " s",
              Map.of("items/s", done.get() / s));
        }
      }
    } finally {
      producers.shutdownNow();
      dispatch.target = p -> { };
    }
    double s = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("items/s", items / s);
    return m;
  }

  static Map<String, Double> latency(BenchConfig cfg, DurableSystem sys, DurableRuns.Dispatch dispatch, int items,
                                     int rate) throws Exception {
    ConcurrentHistogram h = new ConcurrentHistogram(3);
    AtomicLong done = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    dispatch.target = submittedAt -> {
      h.recordValue(Math.max(0, System.nanoTime() - submittedAt));
      if (done.incrementAndGet() == items) all.countDown();
    };
    AtomicReference<Exception> failure = new AtomicReference<>();
    ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
    long interval = 1_000_000_000L / rate;
    long t0 = System.nanoTime() + 1_000_000;
    long submitEnd;
    try {
      for (int i = 0; i < items && failure.get() == null; i++) {
        long target = t0 + i * interval;
        long now;
        while ((now = System.nanoTime()) < target) LockSupport.parkNanos(target - now);
        submitters.execute(() -> {
          try {
            sys.enqueue(System.nanoTime());
          } catch (Exception e) {
            failure.compareAndSet(null, e);
          }
        });
      }
      submitters.shutdown();
      submitters.awaitTermination(cfg.durableRunTimeout().toMillis(), TimeUnit.MILLISECONDS);
      submitEnd = System.nanoTime();
      if (failure.get() != null) throw failure.get();
      if (!all.await(cfg.durableRunTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        throw new Harness.RunTimeout(done.get() + "/" + items + " items started within "
            + cfg.durableRunTimeout().toSeconds() + " s of the last enqueue", null);
      }
    } finally {
      submitters.shutdownNow();
      dispatch.target = p -> { };
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("start p50 @1000/s", h.getValueAtPercentile(50) / 1e6);
    m.put("start p99 @1000/s", h.getValueAtPercentile(99) / 1e6);
    m.put("submit rate", items / ((submitEnd - t0) / 1e9));
    return m;
  }
}
