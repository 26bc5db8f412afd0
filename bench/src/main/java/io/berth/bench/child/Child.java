package io.berth.bench.child;

import io.berth.bench.start.StartTarget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the bench: its output lines are kept (and copied to {@code child.log} in its folder) so that a
 * workload can wait for a line such as {@code FILLED}, read its RSS, and kill it with -9.
 */
public final class Child implements AutoCloseable {
  /** The same flags for every child, peers included: a 1 GiB heap cap, the default collector. */
  public static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+UseG1GC");

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> tail = new ArrayList<>();
  public final long startedNanos;

  private Child(Process process, long startedNanos) {
    this.process = process;
    this.startedNanos = startedNanos;
  }

  /** {@code java <flags> -cp <benchJar> <mainClass> <args>} in {@code dir}. */
  public static Child java(Path benchJar, Path dir, List<String> extraJvm, String mainClass, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(StartTarget.javaExecutable());
    cmd.addAll(JVM_FLAGS);
    // temp files (a peer's SQLite folder) under the workload's folder, deleted with it even after a kill
    cmd.add("-Djava.io.tmpdir=" + dir.toAbsolutePath());
    cmd.addAll(extraJvm);
    cmd.add("-cp");
    cmd.add(benchJar.toString());
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return start(cmd, dir);
  }

  public static Child start(List<String> cmd, Path dir) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    long t0 = System.nanoTime();
    Child c = new Child(pb.start(), t0);
    Path log = dir.resolve("child-" + c.process.pid() + ".log");
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(c.process.getInputStream(), StandardCharsets.UTF_8));
           var w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
        String line;
        while ((line = r.readLine()) != null) {
          c.lines.add(line);
          synchronized (c.tail) {
            c.tail.add(line);
            if (c.tail.size() > 40) c.tail.remove(0);
          }
          w.write(line);
          w.newLine();
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "bench-child-out-" + c.process.pid());
    reader.setDaemon(true);
    reader.start();
    return c;
  }

  /** The first line starting with one of {@code prefixes}; fails with the output's tail if the child exits first. */
  public String await(Duration timeout, String... prefixes) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(50, TimeUnit.MILLISECONDS);
      if (l != null) {
        for (String p : prefixes) if (l.startsWith(p)) return l;
        continue;
      }
      if (!process.isAlive() && lines.isEmpty()) {
        throw new IllegalStateException("child exited with " + process.exitValue() + " before " + List.of(prefixes)
            + "; output: " + tail());
      }
    }
    throw new IllegalStateException("no " + List.of(prefixes) + " within " + timeout + "; output: " + tail());
  }

  public String tail() {
    synchronized (tail) {
      return String.join(" | ", tail);
    }
  }

  public long pid() { return process.pid(); }

  public boolean alive() { return process.isAlive(); }

  /** VmRSS of the child in MiB (NaN where /proc is unavailable). */
  public double rssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) / 1024.0;
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return Double.NaN;
  }

  /** kill -9 and wait for the process to be gone. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, then -9 after {@code grace}. */
  @Override public void close() throws InterruptedException {
    if (!process.isAlive()) return;
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) kill9();
  }
}
