package io.berth.bench.start;

import io.berth.bench.core.BenchConfig;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** Baseline: {@link BareServer} from the bench jar in its own JVM (default JVM flags). */
public final class BareServerTarget implements StartTarget {
  @Override public String name() { return "bare Vert.x server"; }

  @Override public List<String> command(BenchConfig cfg, int port, Path workDir) {
    return List.of(StartTarget.javaExecutable(), "-cp", cfg.benchJar().toString(),
        BareServer.class.getName(), String.valueOf(port));
  }

  @Override public URI readyUrl(int port) {
    return URI.create("http://127.0.0.1:" + port + "/health/ready");
  }

  @Override public String notes() { return "java -cp berth-bench.jar " + BareServer.class.getSimpleName(); }
}
