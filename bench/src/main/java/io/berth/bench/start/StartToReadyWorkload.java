package io.berth.bench.start;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Workload 4: start-to-ready, the CPU time used to get there, exit-after-SIGTERM and peak RSS of a separate JVM
 * process. One warm-up start of each target (its jar into the page cache), then the measured starts alternate between
 * the targets (Berth, bare, Berth, bare, ...), so that a change in the machine's load falls on both alike: the ratio
 * is what the goal reads.
 */
public final class StartToReadyWorkload implements Workload {
  public static final String NAME = "start-to-ready";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) throws Exception {
    List<StartTarget> targets = new ArrayList<>();
    for (Supplier<StartTarget> f : StartTargets.all()) {
      StartTarget t = f.get();
      if (cfg.systemSelected(t.getClass().getSimpleName()) || cfg.systemSelected(t.name())) targets.add(t);
    }
    Map<StartTarget, Map<String, List<Double>>> samples = new LinkedHashMap<>();
    Map<StartTarget, String> aborted = new LinkedHashMap<>();
    targets.forEach(t -> samples.put(t, new LinkedHashMap<>()));
    int warmups = cfg.warmups();
    int reps = cfg.startReps();
    for (int i = 0; i < warmups + reps; i++) {
      boolean warm = i < warmups;
      for (StartTarget t : targets) {
        if (aborted.containsKey(t)) continue;
        String tag = warm ? "warm-up " + (i + 1) + "/" + warmups : "rep " + (i - warmups + 1) + "/" + reps;
        long t0 = System.nanoTime();
        try {
          Map<String, Double> fig = once(cfg, t);
          Log.progress("%s %s %s: %s (%.1fs)", NAME, t.name(), tag, fig, (System.nanoTime() - t0) / 1e9);
          if (!warm) fig.forEach((k, v) -> samples.get(t).computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        } catch (Exception e) {
          Log.progress("%s %s %s: FAILED %s", NAME, t.name(), tag, e);
          aborted.put(t, "failed: " + e);
        }
      }
    }
    List<Result> out = new ArrayList<>();
    for (StartTarget t : targets) {
      Harness.Repeated r = new Harness.Repeated(samples.get(t), aborted.get(t));
      out.add(Harness.result(NAME, t.name(), r, "ready", "ms", false, t.notes()
          + "; starts alternate between the systems"));
      out.add(Harness.result(NAME, t.name(), r, "CPU to ready", "ms", false,
          "user + system CPU time of the JVM (all threads) when ready, from /proc; less sensitive to load"));
      out.add(Harness.result(NAME, t.name(), r, "exit after SIGTERM", "ms", false, ""));
      out.add(Harness.result(NAME, t.name(), r, "peak RSS", "MiB", false, "VmHWM just before SIGTERM"));
    }
    return out;
  }

  static Map<String, Double> once(BenchConfig cfg, StartTarget t) throws Exception {
    Path dir = Files.createTempDirectory("berth-bench-start");
    try {
      int port = ProcessLauncher.freePort();
      ProcessLauncher.Measurement m = ProcessLauncher.measure(t.command(cfg, port, dir), t.readyUrl(port), dir,
          cfg.startTimeout());
      Map<String, Double> fig = new LinkedHashMap<>();
      fig.put("ready", m.readyMillis());
      fig.put("CPU to ready", m.cpuMillis());
      fig.put("exit after SIGTERM", m.exitMillis());
      fig.put("peak RSS", m.peakRssMiB());
      return fig;
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
