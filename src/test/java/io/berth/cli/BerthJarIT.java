package io.berth.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The packaged jar, exactly as a user runs it: {@code java -jar target/berth.jar}. */
class BerthJarIT {

  private static final Pattern HEALTH = Pattern.compile("health: +(http://\\S+/health/ready)");

  @TempDir
  Path dir;

  @Test
  void startsServesAndStopsOnSigtermWithExitCodeZero() throws Exception {
    Path conf = write("config.json", "{\"http\": {\"port\": 0}, \"services\": {\"heartbeat\": {\"interval\": \"100ms\"}}}");
    Running berth = Running.start(conf);
    try {
      String ready = berth.awaitMatch(HEALTH);
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(ready)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      berth.awaitLine("Heartbeat #2");

      berth.process.toHandle().destroy();   // SIGTERM, keeping our end of its output open
      assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

      assertThat(berth.process.exitValue()).isZero();
      String out = berth.output();
      assertThat(out).contains("Received SIGTERM");
      assertThat(out.indexOf("Host stopping")).isPositive()
          .isLessThan(out.indexOf("Service 'http' stopped"));
      assertThat(out.indexOf("Service 'http' stopped")).isLessThan(out.indexOf("Service 'heartbeat' stopped"));
      assertThat(out.indexOf("Service 'heartbeat' stopped")).isLessThan(out.indexOf("Host stopped"));
    } finally {
      berth.process.destroyForcibly();
    }
  }

  @Test
  void badConfigExitsWithCodeTwoNamingTheKey() throws Exception {
    Path conf = write("bad.json", "{\"shutdownTimeout\": \"soon\"}");
    Running berth = Running.start(conf);

    assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(berth.process.exitValue()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'shutdownTimeout'").contains("Invalid duration 'soon'");
  }

  @Test
  void unknownKeyExitsWithCodeTwo() throws Exception {
    Path conf = write("typo.json", "{\"http\": {\"prot\": 9000}}");
    Running berth = Running.start(conf);

    assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(berth.process.exitValue()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'http.prot': unknown key");
  }

  @Test
  void helpAndVersion() throws Exception {
    Running help = Running.start(List.of("--help"));
    assertThat(help.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(help.process.exitValue()).isZero();
    assertThat(help.output()).contains("--conf=FILE").contains("--version");

    Running version = Running.start(List.of("--version"));
    assertThat(version.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(version.output()).contains("Berth ");
  }

  private Path write(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json);
  }

  /** A running jar whose combined output is collected line by line. */
  static final class Running {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private Running(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException ignored) {
          // the process ended
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    static Running start(Path conf) throws IOException {
      return start(List.of("--conf", conf.toString()));
    }

    static Running start(List<String> args) throws IOException {
      String jar = System.getProperty("berth.jar", "target/berth.jar");
      List<String> cmd = new java.util.ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
      cmd.addAll(args);
      return new Running(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    String awaitMatch(Pattern pattern) {
      String[] found = new String[1];
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (String line : lines) {
          Matcher m = pattern.matcher(line);
          if (m.find()) {
            found[0] = m.group(1);
            return true;
          }
        }
        return false;
      });
      return found[0];
    }

    void awaitLine(String text) {
      await().atMost(Duration.ofSeconds(30)).until(() -> lines.stream().anyMatch(l -> l.contains(text)));
    }

    String output() throws InterruptedException {
      process.waitFor(30, TimeUnit.SECONDS);
      reader.join(5000);   // it drains the last lines just after the exit
      return String.join("\n", lines);
    }
  }
}
