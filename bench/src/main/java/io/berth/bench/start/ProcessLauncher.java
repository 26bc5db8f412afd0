package io.berth.bench.start;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Generic start-to-ready measurement of any command line: start the process, poll the ready URL
 * every 5 ms until it answers 200, read VmHWM (peak RSS) and the CPU time the process has used (user + system, all
 * its threads, JIT and GC included), SIGTERM it ({@link Process#destroy()}) and time until it has exited. The CPU time
 * to ready hardly depends on what else runs on the machine, where the wall time does.
 */
public final class ProcessLauncher {
  private ProcessLauncher() {}

  public record Measurement(double readyMillis, double exitMillis, double peakRssMiB, double cpuMillis,
                            int exitCode) {}

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  public static Measurement measure(List<String> command, URI readyUrl, Path workDir, Duration timeout)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
    HttpRequest req = HttpRequest.newBuilder(readyUrl).timeout(Duration.ofMillis(500)).GET().build();
    Path log = workDir.resolve("process.log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      long deadline = t0 + timeout.toNanos();
      long ready = -1;
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException("process exited with " + p.exitValue() + " before ready; log: " + tail(log));
        }
        try {
          HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            ready = System.nanoTime();
            break;
          }
        } catch (IOException notYet) {
          // connection refused while starting
        }
        Thread.sleep(5);
      }
      if (ready < 0) throw new IllegalStateException("not ready within " + timeout + "; log: " + tail(log));
      double rss = peakRssMiB(p.pid());
      double cpu = cpuMillis(p.pid());
      long termAt = System.nanoTime();
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("did not exit within 30 s of SIGTERM");
      }
      long exited = System.nanoTime();
      return new Measurement((ready - t0) / 1e6, (exited - termAt) / 1e6, rss, cpu, p.exitValue());
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** VmHWM from /proc/<pid>/status, in MiB; NaN where /proc is unavailable. */
  static double peakRssMiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          String kb = line.substring(6).trim().split("\\s+")[0];
          return Long.parseLong(kb) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return Double.NaN;
  }

  /** Ticks per second of /proc's CPU times ({@code getconf CLK_TCK}; 100 on Linux). */
  static final double CLK_TCK = 100.0;

  /** utime + stime of the process (all its threads) from /proc/<pid>/stat, in ms (10 ms steps); NaN elsewhere. */
  static double cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / CLK_TCK;
    } catch (IOException | RuntimeException ignored) {
      return Double.NaN;
    }
  }

  private static String tail(Path log) {
    try {
      String s = Files.readString(log);
      return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
