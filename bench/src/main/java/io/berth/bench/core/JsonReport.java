package io.berth.bench.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Writes {@code <resultsDir>/<timestamp>.json} and {@code <resultsDir>/latest.json}. */
public final class JsonReport {
  private JsonReport() {}

  /**
   * One workload of the run: how long it took, the CPU seconds it used (this JVM and its child JVMs, see
   * {@link Log#cpuSeconds()}) and the machine's load average before and after it.
   */
  public record WorkloadRun(String name, double seconds, double cpuSeconds, String loadBefore, String loadAfter) {}

  public static Path write(BenchConfig cfg, List<Result> results, List<WorkloadRun> runs, List<Goals.Check> goals,
                           ZonedDateTime started, double totalSeconds) throws IOException {
    JsonArray workloads = new JsonArray();
    for (WorkloadRun w : runs) {
      workloads.add(new JsonObject().put("name", w.name()).put("seconds", w.seconds())
          .put("cpuSeconds", Double.isNaN(w.cpuSeconds()) ? null : w.cpuSeconds())
          .put("loadAverageBefore", w.loadBefore()).put("loadAverageAfter", w.loadAfter()));
    }
    JsonObject env = new JsonObject()
        .put("javaVersion", System.getProperty("java.version"))
        .put("javaVendor", System.getProperty("java.vendor"))
        .put("vmName", System.getProperty("java.vm.name"))
        .put("vmVersion", System.getProperty("java.vm.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
        .put("availableProcessors", Runtime.getRuntime().availableProcessors())
        .put("loadAverageBefore", System.getProperty("bench.loadBefore"))
        .put("loadAverageAfter", System.getProperty("bench.loadAfter"))
        .put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    JsonArray arr = new JsonArray();
    for (Result r : results) {
      JsonObject o = new JsonObject()
          .put("workload", r.workload())
          .put("system", r.system())
          .put("figure", r.figure())
          .put("value", Double.isNaN(r.value()) ? null : r.value())
          .put("unit", r.unit())
          .put("higherIsBetter", r.higherIsBetter())
          .put("samples", new JsonArray(r.samples().stream().map(d -> (Object) d).toList()))
          .put("notes", r.notes());
      ResultTable.berthRatio(r, results).ifPresent(x -> o.put("berthRatio", x));
      arr.add(o);
    }
    JsonObject root = new JsonObject()
        .put("date", started.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
        .put("commit", cfg.commit())
        .put("dirty", Boolean.getBoolean("bench.dirty"))
        .put("mode", cfg.mode())
        .put("threads", cfg.threads())
        .put("httpConnections", cfg.httpConnections())
        .put("totalSeconds", totalSeconds)
        .put("environment", env)
        .put("workloads", workloads)
        .put("results", arr)
        .put("goals", Goals.json(goals));
    Files.createDirectories(cfg.resultsDir());
    String stamp = started.withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss'Z'"));
    Path file = cfg.resultsDir().resolve(stamp + ".json");
    Path tmp = cfg.resultsDir().resolve("latest.json.tmp");
    Files.writeString(file, root.encodePrettily() + "\n", StandardCharsets.UTF_8);
    Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, cfg.resultsDir().resolve("latest.json"), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    return file;
  }
}
