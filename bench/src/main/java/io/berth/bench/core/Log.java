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

  public static void progress(String fmt, Object... args) {
    System.err.println("[bench] " + String.format(fmt, args));
  }
}
