package io.berth.bench.start;

import io.berth.bench.core.BenchConfig;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -jar target/berth.jar} with the default app (heartbeat, ticker, the default queue, the admin API),
 * its port and token file set in a config file of its own.
 */
public final class BerthJarTarget implements StartTarget {

  @Override public String name() { return "Berth jar"; }

  @Override public List<String> command(BenchConfig cfg, int port, Path workDir) throws Exception {
    Path conf = workDir.resolve("config.json");
    Files.writeString(conf, "{\"http\": {\"port\": " + port + ", \"tokenFile\": \""
        + workDir.resolve("admin.token").toString().replace("\\", "\\\\") + "\"}}");
    return List.of(StartTarget.javaExecutable(), "-jar", productJar().toString(), "--conf", conf.toString());
  }

  @Override public URI readyUrl(int port) {
    return URI.create("http://127.0.0.1:" + port + "/health/ready");
  }

  @Override public String notes() { return "java -jar target/berth.jar, default app"; }

  static Path productJar() {
    return Path.of(System.getProperty("bench.productJar", "target/berth.jar")).toAbsolutePath();
  }
}
