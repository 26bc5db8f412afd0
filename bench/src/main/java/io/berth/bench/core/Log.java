package io.berth.bench.core;

/** Progress goes to stderr so that stdout carries only the results table. */
public final class Log {
  private Log() {}

  /** With -Dbench.debugThreads=true: prints live threads (to spot peers that leak workers). */
  public static void threads(String when) {
    if (!Boolean.getBoolean("bench.debugThreads")) return;
    java.util.Map<String, Long> byPrefix = new java.util.TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      byPrefix.merge(t.getName().replaceAll("[-_ #]?\\d+$", ""), 1L, Long::sum);
    }
    progress("threads %s: %s", when, byPrefix);
  }

  /** /proc/loadavg (first three fields), or "n/a": other load on the machine skews every figure. */
  public static String loadAverage() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  /**
   * CPU seconds used so far by this JVM and by the child processes it has waited for (utime + stime + cutime + cstime
   * of /proc/self/stat), or NaN. The PostgreSQL server is not counted (it detaches from its pg_ctl). Less sensitive to
   * the machine's load than the wall time: on an idle 2-core machine a part takes at least half its CPU seconds.
   */
  public static double cpuSeconds() {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
      return ticks / 100.0;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  public static void progress(String fmt, Object... args) {
    System.err.println("[bench] " + String.format(fmt, args));
  }
}
