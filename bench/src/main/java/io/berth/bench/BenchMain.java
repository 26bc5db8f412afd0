package io.berth.bench;

import io.berth.bench.child.ClusterWorkload;
import io.berth.bench.child.MemoryWorkload;
import io.berth.bench.child.RecoveryWorkload;
import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Chart;
import io.berth.bench.core.Goals;
import io.berth.bench.core.JsonReport;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.ResultTable;
import io.berth.bench.core.Workload;
import io.berth.bench.durable.DurableAcceptWorkload;
import io.berth.bench.durable.DurableE2eWorkload;
import io.berth.bench.http.HttpEnqueueWorkload;
import io.berth.bench.queue.QueueLatencyWorkload;
import io.berth.bench.queue.QueueThroughputWorkload;
import io.berth.bench.start.StartToReadyWorkload;
import io.berth.bench.timer.TimerAccuracyWorkload;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Entry point of berth-bench.jar. Prints one table to stdout, progress to stderr, and writes
 * {@code <results-dir>/<timestamp>.json} plus {@code latest.json}.
 */
public final class BenchMain {
  private BenchMain() {}

  static final String USAGE = String.join("\n",
      "usage: java -jar berth-bench.jar [options]",
      "  --quick                 smoke run: small sizes, slow peers skipped (default: full, < 20 min)",
      "  --threads N             queue concurrency T (default 4, Berth's queue default)",
      "  --only a,b              workloads: queue-throughput,queue-latency,timer-accuracy,start-to-ready,http-enqueue,",
      "                          durable-accept,durable-e2e,recovery,memory,cluster",
      "  --systems a,b           only systems whose class/name contains one of these words (case-insensitive)",
      "  --http-connections N    HTTP load generator connections (default 8)",
      "  --results-dir DIR       where JSON goes (default bench/results)",
      "  --commit SHA            git commit to record (default: -Dbench.commit or 'unknown')");

  public static List<Workload> workloads() {
    return List.of(new QueueThroughputWorkload(), new QueueLatencyWorkload(), new TimerAccuracyWorkload(),
        new StartToReadyWorkload(), new HttpEnqueueWorkload(), new DurableAcceptWorkload(), new DurableE2eWorkload(),
        new RecoveryWorkload(), new MemoryWorkload(), new ClusterWorkload());
  }

  public static void main(String[] args) throws Exception {
    BenchConfig cfg;
    try {
      cfg = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
      return;
    }
    ZonedDateTime started = ZonedDateTime.now();
    String loadBefore = Log.loadAverage();
    System.setProperty("bench.loadBefore", loadBefore);
    long t0 = System.nanoTime();
    Log.progress("mode=%s threads=%d commit=%s java=%s cpus=%d", cfg.mode(), cfg.threads(), cfg.commit(),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    List<Result> results = new ArrayList<>();
    List<JsonReport.WorkloadRun> runs = new ArrayList<>();
    for (Workload w : workloads()) {
      if (!cfg.workloadSelected(w.name())) continue;
      long w0 = System.nanoTime();
      double cpu0 = Log.cpuSeconds();
      String before = Log.loadAverage();
      try {
        results.addAll(w.run(cfg));
      } catch (Exception e) {
        Log.progress("workload %s failed: %s", w.name(), e);
      }
      double took = (System.nanoTime() - w0) / 1e9;
      double cpu = Log.cpuSeconds() - cpu0;
      String after = Log.loadAverage();
      runs.add(new JsonReport.WorkloadRun(w.name(), took, cpu, before, after));
      Log.progress("workload %s took %.1fs, %.1f CPU s (load average before %s, after %s)", w.name(), took, cpu,
          before, after);
    }
    double total = (System.nanoTime() - t0) / 1e9;
    Log.progress("total %.1fs, %.1f CPU s", total, Log.cpuSeconds());
    String loadAfter = Log.loadAverage();
    System.setProperty("bench.loadAfter", loadAfter);
    System.out.printf("Berth benchmarks: mode=%s, T=%d, commit=%s, Java %s (%s), %d CPUs, %.0f s%n", cfg.mode(),
        cfg.threads(), cfg.commit(), System.getProperty("java.version"), System.getProperty("java.vendor"),
        Runtime.getRuntime().availableProcessors(), total);
    System.out.printf("load average before: %s, after: %s (anything else running on the machine skews the figures)%n%n",
        loadBefore, loadAfter);
    ResultTable.print(results, System.out);
    List<Goals.Check> goals = Goals.check(results);
    Goals.print(goals, System.out);
    Path file = JsonReport.write(cfg, results, runs, goals, started, total);
    System.out.printf("%nJSON: %s (and latest.json)%n", file);
    try {
      String stamp = file.getFileName().toString().replace(".json", "");
      Path svg = Chart.write(results, cfg.resultsDir(), stamp, String.format(java.util.Locale.ROOT,
          "%s mode, commit %s, %s, Java %s, %d CPUs, load average %s → %s; Berth in blue", cfg.mode(), cfg.commit(),
          started.withZoneSameInstant(java.time.ZoneOffset.UTC).toLocalDate(), System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
      if (svg != null) System.out.printf("Chart: %s (and latest.svg)%n", svg);
    } catch (Exception | LinkageError e) {
      Log.progress("chart failed: %s", e);
    }
    // Some peers leave non-daemon threads behind; every workload closed what it started.
    System.exit(0);
  }

  static BenchConfig parse(String[] args) {
    boolean quick = false;
    int threads = 4;
    int conns = 8;
    Set<String> only = new LinkedHashSet<>();
    Set<String> systems = new LinkedHashSet<>();
    Path results = Path.of(System.getProperty("bench.resultsDir", "bench/results"));
    String commit = System.getProperty("bench.commit", "unknown");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> quick = true;
        case "--full" -> quick = false;
        case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
        case "--http-connections" -> conns = Integer.parseInt(value(args, ++i, a));
        case "--only" -> only.addAll(Arrays.asList(value(args, ++i, a).split(",")));
        case "--systems" -> systems.addAll(Arrays.asList(value(args, ++i, a).split(",")));
        case "--results-dir" -> results = Path.of(value(args, ++i, a));
        case "--commit" -> commit = value(args, ++i, a);
        case "-h", "--help" -> throw new IllegalArgumentException("berth-bench");
        default -> throw new IllegalArgumentException("unknown argument: " + a);
      }
    }
    Set<String> known = new LinkedHashSet<>();
    workloads().forEach(w -> known.add(w.name()));
    for (String o : only) {
      if (!known.contains(o)) throw new IllegalArgumentException("unknown workload: " + o + " (known: " + known + ")");
    }
    if (threads < 1 || conns < 1) throw new IllegalArgumentException("--threads and --http-connections must be >= 1");
    return new BenchConfig(quick, threads, only, systems, results.toAbsolutePath(), commit, conns, benchJar());
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
    return args[i];
  }

  /** The jar (or classes dir) this class was loaded from; used to launch BareServer. */
  static Path benchJar() {
    try {
      return Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (Exception e) {
      return Path.of("bench/target/berth-bench.jar");
    }
  }
}
