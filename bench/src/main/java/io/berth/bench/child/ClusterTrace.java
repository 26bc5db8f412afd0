package io.berth.bench.child;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.durable.DurableFiles;
import io.berth.bench.durable.Pg;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Diagnostic (not a workload): where the cross-node enqueue-to-start latency goes, stage by stage, at 500 items/s.
 * <pre>
 * java -cp bench/target/berth-bench.jar io.berth.bench.child.ClusterTrace [items] [rate] [rounds] \
 *      name=flag,flag ...   # one variant per argument: extra JVM flags of both children ("base=" for none)
 * </pre>
 * For each round and each variant (back to back, so that the machine's load is alike): the two nodes of the cluster
 * workload ({@link ClusterWorkload#configure}) with {@code -Dberth.trace=true} and a GC log, a warm-up of
 * {@code items/4} ({@code -Dtrace.warm=N}), then {@code items} POSTed to node A at {@code rate}/s, {@code -Dtrace.reps=N}
 * times on the same nodes (the JIT settles after 30-40 s of this load). It prints, per run, the CPU of each process,
 * PostgreSQL's statistics per item (commits, rows, index scans), and, for the items run on node B
 * (and, for comparison, on A), the distribution of each stage and the mean of each over the slowest 2 %: the client
 * send and A's HTTP route up to admission, the group commit, the hop to the {@code berth.due} publish, the clustered
 * event bus, B's wait for its claim, the claim, the hand-over to a worker, and the handler's start. With a product
 * built without the diagnostic {@code io.berth.work.Trace} (bench/diagnostics/cluster-trace.patch) only the totals are
 * known. The GC pauses of both children that overlap a slow item are counted too.
 */
public final class ClusterTrace {
  private ClusterTrace() {}

  static final String[] STAGES = {"send+http+admit (A)", "group commit (A)", "commit->publish (A)",
      "event bus A->run node", "wake->claim issued", "claim issued->sent", "claim (db)", "claimed->worker",
      "worker->handler", "TOTAL"};

  record Gc(long endMicros, long pauseMicros) {}

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Map<String, List<String>> variants = new LinkedHashMap<>();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      variants.put(kv[0], kv.length < 2 || kv[1].isBlank() ? List.of() : List.of(kv[1].split(",")));
    }
    if (variants.isEmpty()) variants.put("base", List.of());
    Path jar = Path.of(ClusterTrace.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    BenchConfig cfg = new BenchConfig(false, 4, Set.of(), Set.of(), Path.of("."), "trace", 32, jar);
    Map<String, List<String>> summary = new LinkedHashMap<>();
    for (int round = 1; round <= rounds; round++) {
      for (Map.Entry<String, List<String>> v : variants.entrySet()) {
        String line;
        try {
          line = runOnce(cfg, v.getKey() + " #" + round, v.getValue(), items, rate);
        } catch (Exception e) {
          line = "failed: " + e.getMessage();
          System.out.println(v.getKey() + " #" + round + " " + line);
        }
        summary.computeIfAbsent(v.getKey(), k -> new ArrayList<>()).add(line);
      }
    }
    System.out.println("\n== summary (node B: p50 / p99 / max ms, share on B) ==");
    summary.forEach((k, lines) -> lines.forEach(l -> System.out.println(k + ": " + l)));
    Pg.stop();
    System.exit(0);
  }

  static String runOnce(BenchConfig cfg, String label, List<String> flags, int items, int rate) throws Exception {
    Path dir = Files.createTempDirectory("berth-trace");
    ClusterWorkload.Node a = new ClusterWorkload.Node("A");
    ClusterWorkload.Node b = new ClusterWorkload.Node("B");
    try {
      String db = Pg.createDatabase("trace");
      ClusterWorkload.configure(dir, a, b, db);
      for (ClusterWorkload.Node n : List.of(a, b)) {
        List<String> jvm = new ArrayList<>(List.of("-Dberth.trace=true",
            "-Xlog:safepoint=info:file=" + dir.resolve(n.name).resolve("gc.log") + ":timemillis"));
        jvm.addAll(flags);
        n.jvm = jvm;
      }
      a.start(cfg, dir.resolve("A"));
      b.start(cfg, dir.resolve("B"));
      ClusterWorkload.awaitTwoNodes(a, Duration.ofSeconds(60));
      int warm = Integer.getInteger("trace.warm", Math.max(100, items / 4));
      ClusterWorkload.pace(a, warm, rate);
      ClusterWorkload.awaitRun(List.of(a, b), warm, Duration.ofSeconds(60));
      String last = null;
      for (int rep = 0; rep < Integer.getInteger("trace.reps", 1); rep++) {
      for (ClusterWorkload.Node n : List.of(a, b)) {
        n.api.get("/bench/trace?reset=1");
        n.latency(true);
      }
      Thread.sleep(500);
      double load0 = load();
      Map<String, Long> pg0 = pgStats(db);
      long[] cpu0 = cpu(a, b);
      long w0 = System.nanoTime();
      ClusterWorkload.pace(a, items, rate);
      ClusterWorkload.awaitRun(List.of(a, b), items, Duration.ofSeconds(90));
      long[] cpu1 = cpu(a, b);
      Map<String, Long> pg1 = pgStats(db);
      System.out.println("PG per item: " + pgDelta(pg0, pg1, items));
      double wall = (System.nanoTime() - w0) / 1e9;
      System.out.printf("WINDOW %.1f %.1f%n", System.currentTimeMillis() / 1e3 - wall, System.currentTimeMillis() / 1e3);
      double load1 = load();
      JsonObject ta = a.api.get("/bench/trace");
      JsonObject tb = b.api.get("/bench/trace");
      List<Gc> gcs = new ArrayList<>();
      gcs.addAll(pauses(dir.resolve("A").resolve("gc.log")));
      gcs.addAll(pauses(dir.resolve("B").resolve("gc.log")));
      System.out.printf("%n=== %s: flags %s, %d items at %d/s, load %.1f -> %.1f ===%n", label, flags, items, rate,
          load0, load1);
      System.out.printf("CPU over %.1f s: node A %.2f cores, node B %.2f cores, PostgreSQL %.2f cores, bench %.2f"
          + " cores; per item %.0f + %.0f + %.0f + %.0f us%n", wall, (cpu1[0] - cpu0[0]) / 100.0 / wall,
          (cpu1[1] - cpu0[1]) / 100.0 / wall, (cpu1[2] - cpu0[2]) / 100.0 / wall, (cpu1[3] - cpu0[3]) / 100.0 / wall,
          (cpu1[0] - cpu0[0]) * 1e4 / items, (cpu1[1] - cpu0[1]) * 1e4 / items, (cpu1[2] - cpu0[2]) * 1e4 / items,
          (cpu1[3] - cpu0[3]) * 1e4 / items);
      report("run on A", ta, ta, ta, gcs);
      String line = report("run on B", tb, ta, tb, gcs);
      System.out.println("REP " + rep + " " + line);
      last = line;
      }
      return last;
    } finally {
      a.close();
      b.close();
      DurableFiles.deleteTree(dir);
    }
  }

  /**
   * CPU ticks (1/100 s) used so far by node A, node B, this JVM's PostgreSQL server (its processes: the bench's
   * other descendants) and this JVM.
   */
  static Map<String, Long> pgStats(String db) {
    Map<String, Long> m = new LinkedHashMap<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(Pg.jdbcUrl(db), Pg.USER, Pg.PASSWORD)) {
      try (java.sql.ResultSet r = c.createStatement().executeQuery("SELECT xact_commit, xact_rollback, tup_returned,"
          + " tup_fetched, blks_hit FROM pg_stat_database WHERE datname = current_database()")) {
        r.next();
        m.put("commits", r.getLong(1)); m.put("rollbacks", r.getLong(2)); m.put("tupReturned", r.getLong(3));
        m.put("tupFetched", r.getLong(4)); m.put("blksHit", r.getLong(5));
      }
      try (java.sql.ResultSet r = c.createStatement().executeQuery("SELECT relname, seq_scan, seq_tup_read, idx_scan,"
          + " n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, autovacuum_count FROM pg_stat_user_tables")) {
        while (r.next()) {
          String t = r.getString(1);
          m.put(t + ".seqScan", r.getLong(2)); m.put(t + ".seqTupRead", r.getLong(3)); m.put(t + ".idxScan", r.getLong(4));
          m.put(t + ".ins", r.getLong(5)); m.put(t + ".upd", r.getLong(6)); m.put(t + ".hotUpd", r.getLong(7));
          m.put(t + ".del", r.getLong(8)); m.put(t + ".autovac", r.getLong(9));
        }
      }
      try (java.sql.ResultSet r = c.createStatement().executeQuery("SELECT indexrelname, idx_scan, idx_tup_read FROM"
          + " pg_stat_user_indexes")) {
        while (r.next()) {
          m.put(r.getString(1) + ".scan", r.getLong(2)); m.put(r.getString(1) + ".tupRead", r.getLong(3));
        }
      }
    } catch (Exception e) {
      m.put("error", 0L);
    }
    return m;
  }

  static String pgDelta(Map<String, Long> a, Map<String, Long> b, int items) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> e : b.entrySet()) {
      long d = e.getValue() - a.getOrDefault(e.getKey(), 0L);
      if (d != 0) sb.append(String.format("%n  %-40s %10d  %8.2f/item", e.getKey(), d, d / (double) items));
    }
    return sb.toString();
  }

  static long[] cpu(ClusterWorkload.Node a, ClusterWorkload.Node b) {
    long[] out = new long[4];
    out[0] = ticks(a.child.pid());
    out[1] = ticks(b.child.pid());
    out[3] = ticks(ProcessHandle.current().pid());
    // The server daemonizes (pg_ctl): its postmaster is found by its port, its backends by their parent.
    long postmaster = -1;
    try {
      String port = "-p " + Pg.server().getPort();
      for (ProcessHandle p : ProcessHandle.allProcesses().toList()) {
        String cmd = cmdline(p.pid());
        if (cmd.contains("postgres") && cmd.contains(port)) {
          postmaster = p.pid();
          break;
        }
      }
    } catch (Exception ignored) {
      // not counted
    }
    if (postmaster > 0) {
      long pm = postmaster;
      out[2] = ticks(pm) + ProcessHandle.allProcesses().filter(p -> p.parent().map(q -> q.pid() == pm).orElse(false))
          .mapToLong(p -> ticks(p.pid())).sum();
    }
    return out;
  }

  static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
    } catch (Exception e) {
      return "";
    }
  }

  static long ticks(long pid) {
    try {
      String st = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);   // utime, stime
    } catch (Exception e) {
      return 0;
    }
  }

  static double load() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  /** Safepoint pauses (GC and others) longer than 1 ms: their end (epoch micros) and length. */
  static List<Gc> pauses(Path log) {
    List<Gc> out = new ArrayList<>();
    // [1764480000123ms] Safepoint "G1CollectPause", Time since last: ..., Reaching safepoint: 1234 ns, At safepoint: 5678 ns, Total: 6912 ns
    Pattern p = Pattern.compile("\\[(\\d+)ms\\].*Safepoint \"([^\"]+)\".*Total: (\\d+) ns");
    try {
      for (String l : Files.readAllLines(log)) {
        Matcher m = p.matcher(l);
        if (m.find()) {
          long total = Long.parseLong(m.group(3)) / 1000;
          if (total >= 1000) out.add(new Gc(Long.parseLong(m.group(1)) * 1000, total));
        }
      }
    } catch (Exception ignored) {
      // no log
    }
    return out;
  }

  /**
   * Prints the stages of the items {@code runner} ran, joining A's admission-side stamps ({@code a}) and the
   * runner's claim-side stamps; returns "p50 / p99 / max" of the totals.
   */
  static String report(String title, JsonObject runner, JsonObject a, JsonObject self, List<Gc> gcs) {
    JsonObject runs = runner.getJsonObject("runs", new JsonObject());
    JsonObject aStages = a.getJsonObject("stages", new JsonObject());
    JsonObject rStages = runner.getJsonObject("stages", new JsonObject());
    JsonObject sent = a.getJsonObject("pubSent", new JsonObject());
    JsonObject recv = self.getJsonObject("pubRecv", new JsonObject());
    List<long[]> rows = new ArrayList<>();
    int[] causes = new int[5];
    for (String id : runs.fieldNames()) {
      JsonArray r = runs.getJsonArray(id);
      long t0 = r.getLong(0);
      long start = r.getLong(1);
      long[] row = new long[STAGES.length + 1];
      Arrays.fill(row, Long.MIN_VALUE);
      row[STAGES.length - 1] = start - t0;
      JsonArray sa = aStages.getJsonArray(id);
      JsonArray sr = rStages.getJsonArray(id);
      if (sa != null && sr != null) {
        long admit = sa.getLong(0);
        long commit = sa.getLong(1);
        long seq = sa.getLong(2) + 1;
        Long pub = sent.getLong(Long.toString(seq));
        Long got = recv.getLong(Long.toString(seq));
        long issue = sr.getLong(3);
        long claimSent = sr.getLong(4);
        long done = sr.getLong(5);
        long worker = sr.getLong(7);
        row[0] = admit - t0;
        row[1] = commit - admit;
        if (pub != null) row[2] = pub - commit;
        if (pub != null && got != null) row[3] = got - pub;
        if (got != null) row[4] = issue - got;
        row[5] = claimSent - issue;
        row[6] = done - claimSent;
        row[7] = worker - done;
        row[8] = start - worker;
        int c = (int) sr.getLong(6).longValue();
        if (c >= 0 && c < causes.length) causes[c]++;
      }
      row[STAGES.length] = t0;
      rows.add(row);
    }
    if (rows.isEmpty()) {
      System.out.printf("-- %s: no items%n", title);
      return "no items";
    }
    rows.sort((x, y) -> Long.compare(x[STAGES.length - 1], y[STAGES.length - 1]));
    int n = rows.size();
    int tailFrom = Math.min(n - 1, (int) Math.floor(n * 0.98));
    System.out.printf("-- %s: %d items; claims by wake %d, after a claim %d, worker asking %d, poll %d%n", title, n,
        causes[1], causes[2], causes[3], causes[4]);
    System.out.printf("%-24s %9s %9s %9s %9s %12s%n", "stage (ms)", "p50", "p90", "p99", "max", "slowest 2%");
    for (int s = 0; s < STAGES.length; s++) {
      List<Long> vals = new ArrayList<>();
      for (long[] row : rows) if (row[s] != Long.MIN_VALUE) vals.add(row[s]);
      if (vals.isEmpty()) continue;
      long[] v = vals.stream().mapToLong(Long::longValue).sorted().toArray();
      double tail = 0;
      int tn = 0;
      for (int i = tailFrom; i < n; i++) {
        if (rows.get(i)[s] != Long.MIN_VALUE) {
          tail += rows.get(i)[s];
          tn++;
        }
      }
      System.out.printf("%-24s %9.2f %9.2f %9.2f %9.2f %12.2f%n", STAGES[s], pct(v, 50) / 1e3, pct(v, 90) / 1e3,
          pct(v, 99) / 1e3, v[v.length - 1] / 1e3, tn == 0 ? Double.NaN : tail / tn / 1e3);
    }
    int withPause = 0;
    for (int i = tailFrom; i < n; i++) {
      long t0 = rows.get(i)[STAGES.length];
      long end = t0 + rows.get(i)[STAGES.length - 1];
      for (Gc g : gcs) {
        if (g.endMicros() >= t0 && g.endMicros() - g.pauseMicros() <= end + 1000) {
          withPause++;
          break;
        }
      }
    }
    long[] totals = rows.stream().mapToLong(r -> r[STAGES.length - 1]).toArray();
    System.out.printf("slowest 2%% (%d items): %d overlap a safepoint pause >= 1 ms of either child (%d such pauses,"
        + " longest %.1f ms)%n", n - tailFrom, withPause, gcs.size(),
        gcs.stream().mapToLong(Gc::pauseMicros).max().orElse(0) / 1e3);
    return String.format("%.1f / %.1f / %.1f ms (%d items)", pct(totals, 50) / 1e3, pct(totals, 99) / 1e3,
        totals[n - 1] / 1e3, n);
  }

  static long pct(long[] sorted, double p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
