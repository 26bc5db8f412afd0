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
import java.util.Map;
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
  void enqueuesOverHttpWithTheGeneratedTokenAndStopsThroughTheAdminRoute() throws Exception {
    Path tokenFile = dir.resolve("data/admin.token");
    Path conf = write("config.json", "{\"http\": {\"port\": 0, \"tokenFile\": \"" + tokenFile + "\"},"
        + " \"services\": {\"heartbeat\": {\"enabled\": false}}}");
    Running berth = Running.start(conf);
    try {
      String ready = berth.awaitMatch(HEALTH);
      String base = ready.replace("/health/ready", "");
      String token = Files.readString(tokenFile).trim();
      assertThat(token).hasSize(64);
      assertThat(berth.output(false)).doesNotContain(token);
      HttpClient client = HttpClient.newHttpClient();

      HttpResponse<String> queued = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/default/items"))
          .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"demo.sleep\",\"payload\":{\"ms\":100}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(queued.statusCode()).isEqualTo(202);
      String location = queued.headers().firstValue("Location").orElseThrow();
      await().atMost(Duration.ofSeconds(10)).until(() -> client.send(HttpRequest.newBuilder(URI.create(base + location))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body()
          .contains("\"status\":\"succeeded\""));
      // The launcher creates Vert.x with the metrics: Vert.x's own series are there, and the store's and items'.
      String metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("vertx_http_server_requests_total", "berth_store_commit_seconds_count",
          "berth_items_finished_total");

      HttpResponse<String> stop = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/shutdown"))
          .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(stop.statusCode()).isEqualTo(202);
      assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(berth.process.exitValue()).isZero();
      assertThat(berth.output()).contains("Host stopped");
    } finally {
      berth.process.destroyForcibly();
    }
  }

  @Test
  void aPublicAddressWithoutATokenExitsWithCodeTwo() throws Exception {
    Path conf = write("public.json", "{\"http\": {\"host\": \"0.0.0.0\", \"port\": 0}}");
    Running berth = Running.start(conf);

    assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(berth.process.exitValue()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'http.token'");
  }

  @Test
  void aMissingEnvironmentSecretExitsWithCodeTwoNamingTheKey() throws Exception {
    Path conf = write("token.json", "{\"http\": {\"port\": 0}, \"tokens\": {\"wechat\": {"
        + "\"url\": \"http://127.0.0.1:1/token\", \"query\": {\"secret\": \"${BERTH_IT_NO_SUCH_SECRET}\"}}}}");
    Running berth = Running.start(conf);

    assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(berth.process.exitValue()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'tokens.wechat.query.secret'").contains("BERTH_IT_NO_SUCH_SECRET");
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

  @Test
  void aTokenFileThatIsADirectoryExitsWithCodeTwoInOneLineLeavingNothingBehind() throws Exception {
    Path tokenDir = Files.createDirectories(dir.resolve("tokens"));
    Path conf = write("dir.json", "{\"http\": {\"port\": 0, \"tokenFile\": \"" + tokenDir + "\"}}");
    Running berth = Running.start(conf);

    assertThat(berth.exitCode()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'http.tokenFile'").contains("is a directory");
    assertThat(berth.problemLines()).hasSize(1);
    assertThat(dir.resolve("tokens.tmp")).doesNotExist();
    try (var files = Files.list(tokenDir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void aTokenFileThatCannotBeCreatedExitsWithCodeTwoInOneLine() throws Exception {
    Path notADir = write("plain.txt", "a file, not a directory");
    Path conf = write("unwritable.json", "{\"http\": {\"port\": 0, \"tokenFile\": \"" + notADir.resolve("admin.token")
        + "\"}}");
    Running berth = Running.start(conf);

    assertThat(berth.exitCode()).isEqualTo(2);
    assertThat(berth.output()).contains("config key 'http.tokenFile'").contains("is not a directory");
    assertThat(berth.problemLines()).hasSize(1);
  }

  @Test
  void aSecondHostOnATakenPortExitsWithCodeTwoBeforeTouchingTheTokenFileOrRunningAService() throws Exception {
    Path tokenFile = write("admin.token", "the-running-hosts-token\n");
    try (java.net.ServerSocket running = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = running.getLocalPort();
      Path conf = write("second.json", "{\"http\": {\"port\": " + port + ", \"tokenFile\": \"" + tokenFile + "\"}}");
      Running berth = Running.start(conf);

      assertThat(berth.exitCode()).isEqualTo(2);
      assertThat(berth.output()).contains("port " + port + " is in use (http.port)");
      assertThat(berth.problemLines()).hasSize(1);
      assertThat(berth.output()).doesNotContain("Service '");   // none ran
      assertThat(Files.readString(tokenFile)).isEqualTo("the-running-hosts-token\n");
      assertThat(dir.resolve("admin.token.tmp")).doesNotExist();
    }
  }

  @Test
  void anUnknownBerthVariableExitsWithCodeTwoInOneLineNamingIt() throws Exception {
    Path conf = write("ok.json", "{\"http\": {\"port\": 0}}");
    Running berth = Running.start(List.of("--conf", conf.toString()), null, Map.of("BERTH_SHUTDOWN_TIMOUT", "5s"));

    assertThat(berth.exitCode()).isEqualTo(2);
    assertThat(berth.output()).contains("BERTH_SHUTDOWN_TIMOUT").contains("matches no config key");
    assertThat(berth.problemLines()).hasSize(1);
  }

  @Test
  void outsideTheRepositoryWithoutConfTheHostRunsOnTheBuiltInDefaults() throws Exception {
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Running berth = Running.start(List.of(), elsewhere, Map.of("BERTH_HTTP_PORT", "0"));
    try {
      String ready = berth.awaitMatch(HEALTH);
      assertThat(String.join("\n", berth.lines)).contains("config:   built-in defaults");
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(ready)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(elsewhere.resolve("data/admin.token")).exists();
      assertThat(elsewhere.resolve("data/berth.db")).as("on defaults, work is still stored").exists();
      berth.process.toHandle().destroy();
      assertThat(berth.exitCode()).isZero();
    } finally {
      berth.process.destroyForcibly();
    }
  }

  @Test
  void helpNamesASubcommandsOptionsAndExitsZero() throws Exception {
    Running help = Running.start(List.of("help", "enqueue"));

    assertThat(help.exitCode()).isZero();
    assertThat(help.output()).contains("--queue=NAME").contains("--type=TYPE");
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
      return start(args, null, Map.of());
    }

    /** The jar run in {@code cwd} (null: this directory) with {@code env} added to this process's environment. */
    static Running start(List<String> args, Path cwd, Map<String, String> env) throws IOException {
      String jar = Path.of(System.getProperty("berth.jar", "target/berth.jar")).toAbsolutePath().toString();
      List<String> cmd = new java.util.ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      if (cwd != null) {
        pb.directory(cwd.toFile());
      }
      pb.environment().putAll(env);
      return new Running(pb.start());
    }

    /**
     * The lines that are not INFO log lines, once the process has ended: a configuration error is one of them
     * (the WorkModule logs which store it uses as the host is built, before the config is fully checked).
     */
    List<String> problemLines() throws InterruptedException {
      output();
      return lines.stream().filter(l -> !l.matches("^\\d{4}-\\d\\d-\\d\\d .* INFO .*")).toList();
    }

    /** Waits for the exit and returns the code, failing when the process outlives 30 s. */
    int exitCode() throws InterruptedException {
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      return process.exitValue();
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
      return output(true);
    }

    /** The output so far, or (when {@code untilExit}) all of it once the process has ended. */
    String output(boolean untilExit) throws InterruptedException {
      if (untilExit) {
        process.waitFor(30, TimeUnit.SECONDS);
        reader.join(5000);   // it drains the last lines just after the exit
      }
      return String.join("\n", lines);
    }
  }
}
