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
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The durable store through the packaged jar: kill -9 under load loses no accepted item; a bad store exits 2. */
class DurableJarIT {

  private static final Pattern HEALTH = Pattern.compile("health: +(http://\\S+/health/ready)");
  private static final int KILLS = 3;

  @TempDir
  Path dir;

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void killNineUnderLoadLosesNoAcceptedItemAndItemsRunningAtTheKillRunAgain() throws Exception {
    Path conf = config();
    Set<String> accepted = ConcurrentHashMap.newKeySet();
    Set<String> slowAccepted = ConcurrentHashMap.newKeySet();
    Set<String> runningAtKill = ConcurrentHashMap.newKeySet();
    String token = null;
    for (int round = 0; round <= KILLS; round++) {
      BerthJarIT.Running berth = BerthJarIT.Running.start(conf);
      try {
        String base = berth.awaitMatch(HEALTH).replace("/health/ready", "");
        token = Files.readString(dir.resolve("data/admin.token")).trim();
        if (round == KILLS) {
          String t = token;
          // Every item that got a 202, in any round, ends succeeded.
          await().atMost(Duration.ofSeconds(90)).until(() -> accepted.stream()
              .allMatch(id -> "succeeded".equals(status(base, t, id).getString("status"))));
          for (String id : runningAtKill) {
            assertThat(status(base, t, id).getInteger("attempts")).as("attempts of %s", id).isGreaterThanOrEqualTo(2);
          }
          berth.process.toHandle().destroy();
          assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(berth.process.exitValue()).isZero();
          assertThat(berth.output()).contains("item(s) left in the store for the next start")
              .doesNotContain("not run, lost");
          break;
        }
        AtomicBoolean load = new AtomicBoolean(true);
        String t = token;
        Thread producer = new Thread(() -> produce(base, t, load, accepted, slowAccepted));
        producer.start();
        int before = accepted.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> accepted.size() >= before + 300);
        // Which slow items run right now (they sleep 2s): they must run again after the kill.
        Instant sampled = Instant.now();
        for (String id : slowAccepted) {
          JsonObject s = status(base, t, id);
          if ("running".equals(s.getString("status"))
              && Instant.parse(s.getString("startedAt")).isAfter(sampled.minusMillis(1200))) {
            runningAtKill.add(id);
          }
        }
        berth.process.destroyForcibly();   // SIGKILL, under load
        assertThat(berth.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        load.set(false);
        producer.join(10_000);
      } finally {
        berth.process.destroyForcibly();
      }
    }
    System.out.printf("kill -9 x%d: %d item(s) accepted, all succeeded; %d were running at a kill and ran again%n",
        KILLS, accepted.size(), runningAtKill.size());
    assertThat(accepted.size()).isGreaterThanOrEqualTo(900);
    assertThat(runningAtKill).isNotEmpty();
    try (Stream<Path> natives = Files.list(dir.resolve("data/tmp"))) {
      // Each start removes what the killed ones left: at most the last process's library and lock.
      assertThat(natives.filter(p -> p.getFileName().toString().endsWith(".so")).count()).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void aStoreLockedByAnotherBerthExitsWithCodeTwoNamingTheKey() throws Exception {
    Path conf = config();
    BerthJarIT.Running first = BerthJarIT.Running.start(conf);
    try {
      first.awaitMatch(HEALTH);
      BerthJarIT.Running second = BerthJarIT.Running.start(conf);
      assertThat(second.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(second.process.exitValue()).isEqualTo(2);
      assertThat(second.output()).contains("config key 'store.path'").contains("locked by another process");
    } finally {
      first.process.destroyForcibly();
    }
  }

  /** Steady load until {@code load} ends: a fast item every 4 ms, a 2 s item every 250 ms; 202s are recorded. */
  private void produce(String base, String token, AtomicBoolean load, Set<String> accepted, Set<String> slow) {
    long next = System.nanoTime();
    for (int i = 0; load.get(); i++) {
      boolean isSlow = i % 60 == 0;
      String body = "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":" + (isSlow ? 2000 : 0) + "}}";
      try {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/"
                + (isSlow ? "slow" : "default") + "/items"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 202) {
          String id = new JsonObject(r.body()).getString("id");
          accepted.add(id);
          if (isSlow) {
            slow.add(id);
          }
        }
      } catch (IOException e) {
        // The process was killed mid-request: this one was not accepted.
      } catch (InterruptedException e) {
        return;
      }
      next += TimeUnit.MILLISECONDS.toNanos(4);
      LockSupport.parkNanos(next - System.nanoTime());   // pacing, not synchronisation
    }
  }

  private JsonObject status(String base, String token, String id) {
    try {
      return fetchStatus(base, token, id);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private JsonObject fetchStatus(String base, String token, String id) throws IOException, InterruptedException {
    String queue = "default";
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/" + queue
        + "/items/" + id)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/queues/slow/items/" + id))
          .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }
    assertThat(r.statusCode()).as("status of %s: %s", id, r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private Path config() throws IOException {
    JsonObject c = new JsonObject()
        .put("shutdownTimeout", "3s")
        .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("data/admin.token").toString()))
        .put("store", new JsonObject().put("path", dir.resolve("data/berth.db").toString()))
        .put("queues", new JsonObject()
            .put("default", new JsonObject().put("capacity", 100_000).put("concurrency", 4))
            .put("slow", new JsonObject().put("capacity", 10_000).put("concurrency", 8)))
        .put("services", new JsonObject()
            .put("heartbeat", new JsonObject().put("enabled", false))
            .put("ticker", new JsonObject().put("enabled", false)));
    return Files.writeString(dir.resolve("config.json"), c.encodePrettily());
  }
}
