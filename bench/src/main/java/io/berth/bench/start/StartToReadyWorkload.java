package io.berth.bench.start;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
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

/** Workload 4: start-to-ready, exit-after-SIGTERM and peak RSS of a separate JVM process. */
public final class StartToReadyWorkload implements Workload {
  public static final String NAME = "start-to-ready";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) throws Exception {
    List<Result> out = new ArrayList<>();
    for (Supplier<StartTarget> f : StartTargets.all()) {
      StartTarget t = f.get();
      if (!cfg.systemSelected(t.getClass().getSimpleName()) && !cfg.systemSelected(t.name())) continue;
      Harness.Repeated r = Harness.repeat(NAME + " " + t.name(), cfg.warmups(), cfg.startReps(), i -> once(cfg, t));
      out.add(Harness.result(NAME, t.name(), r, "ready", "ms", false, t.notes()));
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
