package io.berth.bench.http;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Workload 5: HTTP enqueue requests/s and latency with the closed-loop generator. */
public final class HttpEnqueueWorkload implements Workload {
  public static final String NAME = "http-enqueue";
  public static final String BODY = "{\"type\":\"noop\",\"payload\":{}}";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) throws Exception {
    List<Result> out = new ArrayList<>();
    for (Supplier<HttpTarget> f : HttpTargets.all()) {
      HttpTarget t = f.get();
      if (!cfg.systemSelected(t.getClass().getSimpleName()) && !cfg.systemSelected(t.name())) continue;
      try {
        HttpTarget.Endpoint ep = t.start(cfg);
        try (HttpLoadGenerator gen = new HttpLoadGenerator(ep, BODY, cfg.httpConnections())) {
          Harness.Repeated r = Harness.repeat(NAME + " " + t.name(), cfg.warmups(), cfg.httpReps(), i -> {
            Duration d = i < cfg.warmups() ? cfg.httpWarmup() : cfg.httpDuration();
            HttpLoadGenerator.LoadResult lr = gen.run(d);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("requests/s", lr.requestsPerSec());
            m.put("p50", lr.p50Ms());
            m.put("p99", lr.p99Ms());
            m.put("errors", (double) lr.errors());
            return m;
          });
          String n = t.notes() + (t.notes().isEmpty() ? "" : "; ") + cfg.httpConnections() + " conns, "
              + (cfg.httpDuration().toMillis() / 1000.0) + " s/rep, keep-alive, no pipelining";
          out.add(Harness.result(NAME, t.name(), r, "requests/s", "req/s", true, n));
          out.add(Harness.result(NAME, t.name(), r, "p50", "ms", false, ""));
          out.add(Harness.result(NAME, t.name(), r, "p99", "ms", false, ""));
          out.add(Harness.result(NAME, t.name(), r, "errors", "count", false, "non-2xx or failed, per rep"));
        }
      } catch (Exception e) {
        Log.progress("%s %s failed: %s", NAME, t.name(), e);
      } finally {
        t.close();
      }
    }
    return out;
  }
}
