package io.berth.cli;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory budget through the packaged jar under {@code -Xmx128m}: full queues of max-size payloads get 202, 503
 * or 413 answers and never an {@code OutOfMemoryError}, and the host keeps serving {@code /health/ready}.
 */
class MemoryBudgetJarIT {

  private static final Pattern HEALTH = Pattern.compile("health: +(http://\\S+/health/ready)");
  private static final int MAX_BODY = 1024 * 1024;
  private static final Map<String, String> SMALL_HEAP = Map.of("JAVA_TOOL_OPTIONS", "-Xmx128m");

  @TempDir
  Path dir;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void fullMemoryQueuesOfMaxSizePayloadsAnswer202Or503Or413AndTheHostKeepsServing() throws Exception {
    // Two queues of 20 × 1 MiB fit the budget alone (a quarter of 128 MiB), not together: the host-wide budget
    // refuses before the heap runs out.
    Path conf = config("memory", 20);
    overload(conf, 400);
  }

  @Test
  void theSqliteStoreKeepsTheBacklogOfMaxSizePayloadsOnDiskUnderASmallHeap() throws Exception {
    Path conf = config("sqlite", 10_000);
    Map<Integer, Integer> answers = overload(conf, 300);
    assertThat(answers.getOrDefault(202, 0)).as("accepted onto disk, past the heap: %s", answers).isGreaterThan(150);
  }

  @Test
  void aMemoryQueueWhoseCapacityOfMaxSizeBodiesCannotFitTheBudgetExitsWithCodeTwoNamingTheKey() throws Exception {
    Path conf = config("memory", 100);
    BerthJarIT.Running berth = BerthJarIT.Running.start(List.of("--conf", conf.toString()), null, SMALL_HEAP);
    assertThat(berth.exitCode()).isEqualTo(2);
    assertThat(String.join("\n", berth.problemLines())).contains("queues.default.capacity")
        .contains("work.maxBytes");
  }

  /** Sends {@code n} enqueues of about 1 MiB (every tenth over the limit) from 6 clients; the answers by status. */
  private Map<Integer, Integer> overload(Path conf, int n) throws Exception {
    BerthJarIT.Running berth = BerthJarIT.Running.start(List.of("--conf", conf.toString()), null, SMALL_HEAP);
    Map<Integer, Integer> answers = new ConcurrentHashMap<>();
    try {
      String ready = berth.awaitMatch(HEALTH);
      String base = ready.replace("/health/ready", "");
      String token = Files.readString(dir.resolve("data/admin.token")).trim();
      String fits = body(MAX_BODY - 200);
      String tooBig = body(MAX_BODY + 100_000);
      AtomicInteger healthy = new AtomicInteger();
      AtomicInteger probes = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(7);
      Future<?> probe = pool.submit(() -> {
        while (!Thread.currentThread().isInterrupted() && probes.get() < 10_000) {
          try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(ready))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            probes.incrementAndGet();
            if (r.statusCode() == 200) {
              healthy.incrementAndGet();
            }
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          } catch (IOException e) {
            probes.incrementAndGet();
          }
        }
      });
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> senders = new java.util.ArrayList<>();
      for (int t = 0; t < 6; t++) {
        senders.add(pool.submit(() -> {
          for (int i; (i = next.getAndIncrement()) < n; ) {
            String queue = i % 2 == 0 ? "default" : "slow";
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/" + queue + "/items"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(i % 10 == 9 ? tooBig : fits)).build();
            int status;
            try {
              status = client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (IOException e) {
              status = -1;   // no answer (a 413 may close the connection while the body is still sent)
            } catch (InterruptedException e) {
              return;
            }
            answers.merge(status, 1, Integer::sum);
          }
        }));
      }
      for (Future<?> s : senders) {
        s.get(5, TimeUnit.MINUTES);
      }
      probe.cancel(true);
      pool.shutdownNow();
      int before = healthy.get();
      HttpResponse<String> last = client.send(HttpRequest.newBuilder(URI.create(ready)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(last.statusCode()).isEqualTo(200);
      assertThat(before).as("ready probes answered 200 during the load").isGreaterThan(0);
      String out = berth.output(false);
      assertThat(out).doesNotContain("OutOfMemoryError");
      int refusedOrAccepted = answers.getOrDefault(202, 0) + answers.getOrDefault(503, 0);
      int noAnswer = answers.getOrDefault(-1, 0);
      assertThat(answers.keySet()).as("answers %s", answers).isSubsetOf(202, 503, 413, -1);
      assertThat(noAnswer).as("requests without an answer %s", answers).isLessThanOrEqualTo(n / 10);
      assertThat(refusedOrAccepted + answers.getOrDefault(413, 0) + noAnswer).isEqualTo(n);
      assertThat(answers.getOrDefault(202, 0)).isGreaterThan(0);
      return answers;
    } finally {
      berth.process.destroy();
      berth.process.waitFor(30, TimeUnit.SECONDS);
      String out = berth.output(false);
      assertThat(out).doesNotContain("OutOfMemoryError");
    }
  }

  private static String body(int size) {
    JsonObject item = new JsonObject().put("type", "demo.sleep")
        .put("payload", new JsonObject().put("ms", 120_000).put("data", ""));
    int pad = size - item.encode().length();
    item.getJsonObject("payload").put("data", "x".repeat(Math.max(0, pad)));
    return item.encode();
  }

  private Path config(String store, int capacity) throws IOException {
    JsonObject queue = new JsonObject().put("capacity", capacity).put("concurrency", 1).put("fullMode", "wait")
        .put("enqueueTimeout", "500ms");
    JsonObject c = new JsonObject()
        .put("shutdownTimeout", "2s")
        .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("data/admin.token").toString())
            .put("maxBodySize", "1MiB"))
        .put("store", new JsonObject().put("type", store).put("path", dir.resolve("data/berth.db").toString()))
        .put("queues", new JsonObject().put("default", queue).put("slow", queue.copy()))
        .put("services", new JsonObject()
            .put("heartbeat", new JsonObject().put("enabled", false))
            .put("ticker", new JsonObject().put("enabled", false)));
    return Files.writeString(dir.resolve("config.json"), c.encodePrettily());
  }
}
