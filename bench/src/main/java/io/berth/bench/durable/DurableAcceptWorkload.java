package io.berth.bench.durable;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Durable accept: {@code P} (64) producer threads, closed loop, each enqueueing no-op items one after another and
 * waiting for each acknowledgement (stored), for a fixed time; items/s acknowledged and the ack latency p50/p99.
 * Nothing runs the items (Berth's queue is paused; the peers' workers are not started), so the figure is the
 * store's.
 */
public final class DurableAcceptWorkload implements Workload {
  public static final String NAME = "durable-accept";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    return DurableRuns.forEach(NAME, cfg, DurableSystems.Part.ACCEPT, DurableSystems.accept(), 0, (sys, dispatch) -> {
      Harness.Repeated r = Harness.repeat(NAME + " " + sys.name(), cfg.warmups(), cfg.slowReps(), i -> once(cfg, sys));
      String notes = sys.notes() + "; " + cfg.durableProducers() + " producers, " + cfg.acceptDuration().toMillis()
          + " ms per rep, accept only";
      List<Result> out = new ArrayList<>();
      out.add(Harness.result(NAME, sys.name(), r, "items/s", "items/s", true, notes));
      out.add(Harness.result(NAME, sys.name(), r, "ack p50", "ms", false, ""));
      out.add(Harness.result(NAME, sys.name(), r, "ack p99", "ms", false, ""));
      return out;
    });
  }

  static Map<String, Double> once(BenchConfig cfg, DurableSystem sys) throws Exception {
    int producers = cfg.durableProducers();
    ConcurrentHistogram h = new ConcurrentHistogram(3);
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long[] window = new long[2];
    for (int p = 0; p < producers; p++) {
      final long base = (long) p << 40;
      Thread t = new Thread(() -> {
        try {
          go.await();
          long end = window[1];
          long n = base;
          while (failure.get() == null) {
            long t0 = System.nanoTime();
            if (t0 >= end) break;
            sys.enqueue(n++);
            long t1 = System.nanoTime();
            h.recordValue(t1 - t0);
            acked.incrementAndGet();
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
      }, "bench-producer-" + p);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + cfg.acceptDuration().toNanos();
    go.countDown();
    for (Thread t : threads) {
      t.join(cfg.durableRunTimeout().toMillis());
      if (t.isAlive()) throw new Harness.RunTimeout("a producer still waits for an ack after "
          + cfg.durableRunTimeout().toSeconds() + " s", null);
    }
    if (failure.get() != null) throw failure.get();
    double seconds = (System.nanoTime() - window[0]) / 1e9;
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("items/s", acked.get() / seconds);
    m.put("ack p50", h.getValueAtPercentile(50) / 1e6);
    m.put("ack p99", h.getValueAtPercentile(99) / 1e6);
    return m;
  }
}
