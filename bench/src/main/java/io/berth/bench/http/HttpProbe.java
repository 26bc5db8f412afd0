package io.berth.bench.http;

import io.berth.bench.core.BenchConfig;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * A diagnostic for the HTTP enqueue comparison on a shared machine: both targets are started at once and measured
 * in alternating rounds (Berth, bare, Berth, bare, …), so that load from other processes falls on both alike, and
 * each round also reports the process's CPU time per request, which other processes' load hardly moves. Not part of
 * the benchmark's table. Run: {@code java -cp bench/target/berth-bench.jar io.berth.bench.http.HttpProbe [rounds]
 * [seconds]}; with {@code -Dprobe.only=berth} (or {@code bare}) it runs one route alone and
 * prints CPU time and allocations per request by thread group (to profile).
 */
public final class HttpProbe {

  private HttpProbe() {
  }

  /** CPU ns, allocated bytes and thread count by thread name without its number; the client's loop apart. */
  private static java.util.Map<String, long[]> threads(long client) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    java.util.Map<String, long[]> by = new java.util.TreeMap<>();
    for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long id = info.getThreadId();
      String group = id == client ? "CLIENT" : info.getThreadName().replaceAll("[0-9]+", "N");
      long[] v = by.computeIfAbsent(group, k -> new long[3]);
      v[0] += Math.max(0, mx.getThreadCpuTime(id));
      v[1] += Math.max(0, mx.getThreadAllocatedBytes(id));
      v[2]++;
    }
    return by;
  }

  /** Voluntary context switches (a thread parking, mostly) by thread name without digits, from /proc (Linux). */
  private static java.util.Map<String, Long> switches() {
    java.util.Map<String, Long> by = new java.util.TreeMap<>();
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return by;
    }
    for (java.io.File t : tasks) {
      try {
        String name = java.nio.file.Files.readString(t.toPath().resolve("comm")).trim().replaceAll("[0-9]+", "N");
        for (String l : java.nio.file.Files.readAllLines(t.toPath().resolve("status"))) {
          if (l.startsWith("voluntary_ctxt_switches:")) {
            by.merge(name, Long.parseLong(l.substring(24).trim()), Long::sum);
          }
        }
      } catch (java.io.IOException | RuntimeException e) {
        // a thread that ended meanwhile
      }
    }
    return by;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Duration each = Duration.ofMillis((long) (1000 * (args.length > 1 ? Double.parseDouble(args[1]) : 3)));
    BenchConfig cfg = new BenchConfig(false, 2, Set.of(), Set.of(), Path.of("/tmp"), "probe", 8, null);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    HttpTarget berth = new BerthHttpTarget();
    HttpTarget bare = new BareVertxHttpTarget();
    try (HttpLoadGenerator gb = new HttpLoadGenerator(berth.start(cfg), HttpEnqueueWorkload.BODY, 8);
         HttpLoadGenerator gv = new HttpLoadGenerator(bare.start(cfg), HttpEnqueueWorkload.BODY, 8)) {
      String only = System.getProperty("probe.only");
      if (only != null) {   // for a profiler: one route alone, with CPU time and allocations per thread group
        HttpLoadGenerator g = only.equals("bare") ? gv : gb;
        g.run(Duration.ofSeconds(4));   // warm-up
        for (int r = 0; r < rounds; r++) {
          long client = g.thread().getId();
          java.util.Map<String, long[]> before = threads(client);
          java.util.Map<String, Long> switchesBefore = switches();
          long c0 = os.getProcessCpuTime();
          HttpLoadGenerator.LoadResult b = g.run(each);
          long c1 = os.getProcessCpuTime();
          java.util.Map<String, long[]> after = threads(client);
          java.util.Map<String, Long> switchesAfter = switches();
          long n = Math.max(1, b.ok());
          StringBuilder line = new StringBuilder(String.format(only + " alone: %,.0f req/s p50 %.3f ms (err %d), process"
              + " cpu %.1f us/req;", b.requestsPerSec(), b.p50Ms(), b.errors(), (c1 - c0) / 1e3 / n));
          long javaCpu = 0;
          for (var e : after.entrySet()) {
            long[] a = e.getValue();
            long[] z = before.getOrDefault(e.getKey(), new long[3]);
            javaCpu += a[0] - z[0];
            if ((a[0] - z[0]) / 1e3 / n >= 0.5) {
              line.append(String.format(" %s %.1f us %.0f B (%d)", e.getKey(), (a[0] - z[0]) / 1e3 / n,
                  (double) (a[1] - z[1]) / n, a[2]));
            }
          }
          line.append(String.format(" | outside Java threads (GC, JIT) %.1f us", (c1 - c0 - javaCpu) / 1e3 / n));
          line.append(" | voluntary context switches per request:");
          for (var e : switchesAfter.entrySet()) {
            double per = (e.getValue() - switchesBefore.getOrDefault(e.getKey(), 0L)) / (double) n;
            if (per >= 0.05) {
              line.append(String.format(" %s %.2f", e.getKey(), per));
            }
          }
          System.out.println(line);
        }
        return;
      }
      gb.run(Duration.ofSeconds(4));   // warm-up
      gv.run(Duration.ofSeconds(4));
      double sumRatio = 0;
      double sumCpuRatio = 0;
      for (int r = 0; r < rounds; r++) {
        long c0 = os.getProcessCpuTime();
        HttpLoadGenerator.LoadResult b = gb.run(each);
        long c1 = os.getProcessCpuTime();
        HttpLoadGenerator.LoadResult v = gv.run(each);
        long c2 = os.getProcessCpuTime();
        double cpuB = (c1 - c0) / 1e3 / Math.max(1, b.ok());
        double cpuV = (c2 - c1) / 1e3 / Math.max(1, v.ok());
        double ratio = b.requestsPerSec() / v.requestsPerSec();
        sumRatio += ratio;
        sumCpuRatio += cpuV / cpuB;
        System.out.printf("round %d: berth %,.0f req/s p50 %.3f ms cpu %.1f us/req (err %d) | bare %,.0f req/s p50 %.3f"
                + " ms cpu %.1f us/req | ratio %.2f cpu-ratio %.2f | load %.2f%n", r, b.requestsPerSec(), b.p50Ms(),
            cpuB, b.errors(), v.requestsPerSec(), v.p50Ms(), cpuV, ratio, cpuV / cpuB,
            os.getSystemLoadAverage());
      }
      System.out.printf("mean ratio %.3f, mean cpu ratio (bare cpu/req / berth cpu/req) %.3f%n", sumRatio / rounds,
          sumCpuRatio / rounds);
    } finally {
      berth.close();
      bare.close();
    }
  }
}
