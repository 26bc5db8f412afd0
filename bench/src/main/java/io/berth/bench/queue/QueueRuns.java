package io.berth.bench.queue;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Skipped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Shared driver for the queue workloads: start each system once, repeat runs, close. */
final class QueueRuns {
  private QueueRuns() {}

  /** Forwards to the handler of the current run; systems get this one instance at start. */
  static final class Dispatch implements ItemHandler {
    volatile ItemHandler target = p -> { };

    @Override public void onRun(long payload) {
      target.onRun(payload);
    }
  }

  interface PerSystem {
    List<Result> measure(QueueSystem system, Dispatch dispatch, int items, String notes) throws Exception;
  }

  static List<Result> forEachSystem(String workload, BenchConfig cfg, QueueKind kind, int defaultItems,
                                    PerSystem body) {
    List<Result> out = new ArrayList<>();
    for (Supplier<QueueSystem> factory : QueueSystems.all()) {
      QueueSystem sys = factory.get();
      if (!cfg.systemSelected(sys.getClass().getSimpleName())) continue;
      String quickSkip = cfg.quick() ? skippedInQuick(sys) : null;
      if (quickSkip != null) {
        // named before its start, when it does not know T yet: "db-scheduler H2(0)" → "db-scheduler H2(4)"
        out.add(new Skipped(quickSkip).row(workload, sys.name().replaceAll("\\(0\\)$", "(" + cfg.threads() + ")")));
        continue;
      }
      Dispatch dispatch = new Dispatch();
      try {
        sys.start(cfg.threads(), dispatch);
      } catch (Exception e) {
        Log.progress("%s: %s failed to start: %s", workload, sys.getClass().getSimpleName(), e);
        try { sys.close(); } catch (Exception ignored) { }
        out.add(new Result(workload, sys.getClass().getSimpleName(), "start", Double.NaN, "", true, List.of(),
            "failed to start: " + e));
        continue;
      }
      try {
        int cap = Integer.getInteger("bench.maxItems." + sys.getClass().getSimpleName(), sys.maxItems(kind, cfg.quick()));
        int items = Math.min(defaultItems, cap);
        String notes = sys.notes();
        if (items < defaultItems) notes = (notes.isEmpty() ? "" : notes + "; ") + "items reduced to " + items + " (default " + defaultItems + ")";
        out.addAll(body.measure(sys, dispatch, items, notes));
      } catch (Exception e) {
        Log.progress("%s: %s failed: %s", workload, sys.name(), e);
      } finally {
        try {
          sys.close();
        } catch (Exception e) {
          Log.progress("%s: %s close failed: %s", workload, sys.name(), e);
        }
        Log.threads("after closing " + sys.name());
      }
    }
    return out;
  }

  /**
   * Quick mode leaves out the slow in-memory peers (db-scheduler on H2 in memory and JobRunr in memory run 100-300
   * items/s: 40 s of the 80 s quick throughput run on a loaded machine); the full run measures them.
   */
  static String skippedInQuick(QueueSystem sys) {
    return sys instanceof DbSchedulerSystem || sys instanceof JobRunrSystem
        ? "in quick mode (slow peer, 100-300 items/s; measured in full mode)" : null;
  }

  static Harness.Repeated repeat(String label, BenchConfig cfg, QueueSystem sys, Harness.Run run) {
    return Harness.repeat(label, warmupsFor(cfg, sys), fast(sys) ? cfg.reps() : cfg.slowReps(), run);
  }

  static boolean fast(QueueSystem sys) {
    return sys instanceof ThreadPoolSystem || sys instanceof VertxEventBusSystem;
  }

  /** Slow peers are still warming up after one run: they get a second warm-up in full mode. */
  static int warmupsFor(BenchConfig cfg, QueueSystem sys) {
    return fast(sys) || cfg.quick() ? cfg.warmups() : cfg.warmups() + 1;
  }
}
