package io.berth.bench.durable;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Skipped;
import io.berth.bench.queue.ItemHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Shared driver of the durable workloads: start each selected system once, measure, close; skips become rows. */
final class DurableRuns {
  private DurableRuns() {}

  /** Forwards to the handler of the current run. */
  static final class Dispatch implements ItemHandler {
    volatile ItemHandler target = p -> { };

    @Override public void onRun(long payload) {
      target.onRun(payload);
    }
  }

  interface Body {
    List<Result> measure(DurableSystem sys, Dispatch dispatch) throws Exception;
  }

  static List<Result> forEach(String workload, BenchConfig cfg, DurableSystems.Part part,
                              List<Supplier<DurableSystem>> systems, int workers, Body body) {
    List<Result> out = new ArrayList<>();
    for (Supplier<DurableSystem> f : systems) {
      DurableSystem sys = f.get();
      if (!cfg.systemSelected(sys.name()) && !cfg.systemSelected(sys.getClass().getSimpleName())) continue;
      String quickSkip = cfg.quick() ? DurableSystems.skippedInQuick(part, sys) : null;
      if (quickSkip != null) {
        out.add(new Skipped(quickSkip).row(workload, sys.name()));
        continue;
      }
      Dispatch dispatch = new Dispatch();
      Pg.reset();   // each system on a quiet server: the one before it closed
      try {
        sys.start(workers, dispatch);
      } catch (Skipped s) {
        Log.progress("%s %s: skipped: %s", workload, sys.name(), s.getMessage());
        out.add(s.row(workload, sys.name()));
        closeQuietly(workload, sys);
        continue;
      } catch (Exception e) {
        Log.progress("%s: %s failed to start: %s", workload, sys.name(), e);
        out.add(new Result(workload, sys.name(), "start", Double.NaN, "", true, List.of(), "failed to start: " + e));
        closeQuietly(workload, sys);
        continue;
      }
      try {
        out.addAll(body.measure(sys, dispatch));
      } catch (Exception e) {
        Log.progress("%s: %s failed: %s", workload, sys.name(), e);
        out.add(new Result(workload, sys.name(), "run", Double.NaN, "", true, List.of(), "failed: " + e));
      } finally {
        closeQuietly(workload, sys);
      }
    }
    return out;
  }

  static void closeQuietly(String workload, DurableSystem sys) {
    try {
      sys.close();
    } catch (Exception e) {
      Log.progress("%s: %s close failed: %s", workload, sys.name(), e);
    }
  }

  static boolean isBerth(DurableSystem sys) {
    return sys instanceof BerthDurable;
  }
}
