package io.berth.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import org.awaitility.core.ConditionTimeoutException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One {@code java -jar target/berth.jar} process of a cluster test: started in a folder of its own with the child
 * JVM settings that keep Hazelcast usable on two loaded cores (MEASURED.md), its output collected line by line, and
 * a small HTTP/1.1 client for its admin API with the token it generated.
 */
final class JarNode {

  /** MEASURED.md: what keeps two or three Hazelcast JVMs responsive on a 2-core machine. */
  static final List<String> JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m");

  private static final Pattern HEALTH = Pattern.compile("health: +(http://\\S+)/health/ready");

  final String name;
  final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();
  private final Path dir;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private volatile String base;
  private volatile String token;
  private volatile String id;

  private JarNode(String name, Path dir, Process process) {
    this.name = name;
    this.dir = dir;
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "jar-" + name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts the jar in {@code dir} with {@code dir/config.json} ({@code config}) and {@code env} added. */
  static JarNode start(String name, Path dir, JsonObject config, Map<String, String> env) throws IOException {
    Files.createDirectories(dir);
    Path conf = Files.writeString(dir.resolve("config.json"), config.encodePrettily());
    String jar = Path.of(System.getProperty("berth.jar", "target/berth.jar")).toAbsolutePath().toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM);
    cmd.addAll(List.of("-jar", jar, "--conf", conf.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
    pb.environment().putAll(env);
    return new JarNode(name, dir, pb.start());
  }

  /** The base URL ({@code http://host:port}) once the banner named it, else empty. */
  Optional<String> base() {
    if (base == null) {
      for (String line : lines) {
        Matcher m = HEALTH.matcher(line);
        if (m.find()) {
          base = m.group(1);
          break;
        }
      }
    }
    return Optional.ofNullable(base);
  }

  /** True once the banner is out and {@code /health/ready} answers 200 (reads the admin token then). */
  boolean ready() {
    if (base().isEmpty() || !process.isAlive()) {
      return false;
    }
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health/ready"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return false;
      }
      token = Files.readString(dir.resolve("data/admin.token")).trim();
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** This node's id: the {@code self} entry of its own {@code /api/v1/nodes}. */
  String id() throws IOException, InterruptedException {
    if (id == null) {
      for (Object o : nodes()) {
        JsonObject n = (JsonObject) o;
        if (n.getBoolean("self", false)) {
          id = n.getString("id");
        }
      }
    }
    return id;
  }

  /** {@code GET /api/v1/nodes}: the members as this node sees them. */
  JsonArray nodes() throws IOException, InterruptedException {
    HttpResponse<String> r = get("/api/v1/nodes");
    if (r.statusCode() != 200) {
      throw new IOException("GET /api/v1/nodes on " + name + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getJsonArray("nodes");
  }

  /** The singletons this node's own entry of {@code /api/v1/nodes} says it holds. */
  List<String> singletonsHeld() throws IOException, InterruptedException {
    for (Object o : nodes()) {
      JsonObject n = (JsonObject) o;
      if (n.getBoolean("self", false)) {
        return n.getJsonArray("singletons").stream().map(String::valueOf).toList();
      }
    }
    return List.of();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Enqueues {@code body} on {@code queue}; the answer as it came. */
  HttpResponse<String> enqueue(String queue, String body) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/" + queue + "/items"))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An item's status as this node reads it from the store. */
  JsonObject status(String queue, String itemId) throws IOException, InterruptedException {
    HttpResponse<String> r = get("/api/v1/queues/" + queue + "/items/" + itemId);
    if (r.statusCode() != 200) {
      throw new IOException("status of " + itemId + " on " + name + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** The last {@code n} lines of output, for failure messages. */
  String tail(int n) {
    List<String> all = List.copyOf(lines);
    return "---- last " + Math.min(n, all.size()) + " of " + all.size() + " lines of node " + name
        + (process.isAlive() ? "" : " (exited " + exitValue() + ")") + " ----\n"
        + String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
  }

  private String exitValue() {
    try {
      return String.valueOf(process.exitValue());
    } catch (IllegalThreadStateException e) {
      return "?";
    }
  }

  long count(String text) {
    return lines.stream().filter(l -> l.contains(text)).count();
  }

  /** SIGTERM, then SIGKILL if it has not ended within 20 s. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  // ---------------------------------------------------------------- shared by the cluster jar ITs

  /** {@code n} ports below 32768 that are free now (ephemeral ports above are often taken on these machines). */
  static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    for (int i = 0; i < n; ) {
      int candidate = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket s = new ServerSocket(candidate, 1, InetAddress.getByName("127.0.0.1"))) {
        s.setReuseAddress(true);
        boolean taken = false;
        for (int j = 0; j < i; j++) {
          taken |= Math.abs(ports[j] - candidate) < 10;   // Hazelcast moves to the next port when one is taken
        }
        if (!taken) {
          ports[i++] = candidate;
        }
      } catch (IOException inUse) {
        // try another
      }
    }
    return ports;
  }

  /**
   * Waits for {@code condition}; on timeout fails with what was {@code seen}, and the tails of the {@code nodes}'
   * output (a null node, not started, is left out).
   */
  static void within(Duration limit, String what, Callable<String> seen, Callable<Boolean> condition,
                     JarNode... nodes) {
    try {
      await().atMost(limit).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
    } catch (ConditionTimeoutException e) {
      String state;
      try {
        state = seen.call();
      } catch (Exception ex) {
        state = "(could not read: " + ex + ")";
      }
      StringBuilder tails = new StringBuilder();
      for (JarNode node : nodes) {
        tails.append('\n').append(node == null ? "" : node.tail(40));
      }
      throw new AssertionError("Not within " + limit.toMillis() + " ms: " + what + "\nseen: " + state + tails, e);
    }
  }

  /** What each of {@code nodes} says of the cluster's members ({@code GET /api/v1/nodes}), one line each. */
  static String nodeLists(JarNode... nodes) {
    StringBuilder out = new StringBuilder();
    for (JarNode n : nodes) {
      try {
        out.append("  nodes seen by ").append(n.name).append(": ").append(n.nodes().encode()).append('\n');
      } catch (Exception e) {
        out.append("  nodes seen by ").append(n.name).append(": ").append(e).append('\n');
      }
    }
    return out.toString();
  }

  /** The lines of a Java stack trace ({@code at ...}, {@code Caused by:}, {@code ... n more}) in {@code lines}. */
  static List<String> stackTraceLines(List<String> lines) {
    return lines.stream().filter(l -> l.matches("\\s+at [\\w$.<>/]+\\(.*\\)\\s*") || l.startsWith("Caused by:")
        || l.matches("\\s+\\.\\.\\. \\d+ more\\s*")).toList();
  }
}
