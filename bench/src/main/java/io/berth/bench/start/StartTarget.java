package io.berth.bench.start;

import io.berth.bench.core.BenchConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Extension point for start-to-ready: a program started as a separate OS process. The launcher
 * times process start until {@link #readyUrl} answers 200, reads peak RSS, sends SIGTERM and times
 * the exit. A Berth target returns e.g. {@code java -jar ../target/berth.jar --conf <file>} with the
 * port written into the conf file under {@code workDir}.
 */
public interface StartTarget {
  String name();

  /** Full command line (first element is the executable). {@code workDir} is a fresh temp dir. */
  List<String> command(BenchConfig cfg, int port, Path workDir) throws Exception;

  URI readyUrl(int port);

  default String notes() { return ""; }

  /** Path of the java executable running this benchmark (use it so every target runs on the same JVM). */
  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
