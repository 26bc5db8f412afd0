package io.berth.metrics;

import io.berth.admin.HttpOptions;
import io.berth.host.Host;
import io.berth.service.Schedule;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.berth.testing.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code GET /metrics}: parsed strictly; JVM, Vert.x and Berth's series exist with their labels and move. */
class MetricsTest {

  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  static final String TOKEN = "metrics-test-token";

  @TempDir
  Path dir;
  Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      result(host.stop());
    }
  }

  @Test
  void berthJvmAndVertxSeriesMoveAsItemsRun() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger flaky = new java.util.concurrent.atomic.AtomicInteger();
    host = Host.builder()
        .queue(new QueueOptions("mail").concurrency(1).retry(new io.berth.work.RetryOptions().maxAttempts(1))
            .retry("flaky", new io.berth.work.RetryOptions().maxAttempts(3)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5))))
        .handler("mail", "flaky", ctx -> {
          if (flaky.incrementAndGet() <= 2) {
            throw new IllegalStateException("not yet");
          }
        })
        .handler("mail", "send", ctx -> { })
        .handler("mail", "boom", ctx -> {
          throw new IllegalStateException("boom");
        })
        .handler("mail", "hold", ctx -> release.await(10, TimeUnit.SECONDS))
        .timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
        .metrics()
        .build();
    result(host.start());
    WorkQueue mail = host.work().queue("mail");
    for (int i = 0; i < 5; i++) {
      result(mail.enqueue("send", new JsonObject()));
    }
    result(mail.enqueue("boom", new JsonObject()));
    result(mail.enqueue("flaky", new JsonObject()));
    result(host.trigger("report"));

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      PromText m = scrape(null, 200);
      assertThat(m.value("berth_items_finished_total", "queue", "mail", "type", "send", "outcome", "succeeded"))
          .isEqualTo(5);
      assertThat(m.value("berth_items_finished_total", "queue", "mail", "type", "boom", "outcome", "dead"))
          .isEqualTo(1);
      assertThat(m.value("berth_timed_runs_total", "service", "report", "outcome", "succeeded")).isPositive();
      assertThat(m.value("berth_items_finished_total", "queue", "mail", "type", "flaky", "outcome", "succeeded"))
          .isEqualTo(1);
    });

    PromText m = scrape(null, 200);
    assertThat(m.types).containsEntry("berth_items_finished_total", "counter")
        .containsEntry("berth_item_duration_seconds", "histogram")
        .containsEntry("berth_item_wait_seconds", "histogram")
        .containsEntry("berth_queue_depth", "gauge");
    assertThat(m.value("berth_item_duration_seconds_count", "queue", "mail", "type", "send", "outcome", "succeeded"))
        .isEqualTo(5);
    assertThat(m.find("berth_item_duration_seconds_bucket", "queue", "mail", "le", "+Inf")).isNotEmpty();
    // The wait is the first attempt's only: 7 items, 7 waits, though the flaky one ran three times.
    assertThat(m.value("berth_item_wait_seconds_count", "queue", "mail")).isEqualTo(7);
    assertThat(m.value("berth_item_wait_seconds_bucket", "queue", "mail", "le", "+Inf")).isEqualTo(7);
    assertThat(m.value("berth_item_wait_seconds_sum", "queue", "mail")).isPositive();
    assertThat(m.types).containsEntry("berth_item_retries_total", "counter");
    assertThat(m.value("berth_item_retries_total", "queue", "mail", "type", "flaky")).isEqualTo(2);
    assertThat(m.value("berth_item_duration_seconds_count", "queue", "mail", "type", "flaky", "outcome", "retrying"))
        .isEqualTo(2);
    // Buckets are cumulative and end with +Inf, which equals the count.
    List<PromText.Sample> buckets = m.find("berth_item_duration_seconds_bucket", "queue", "mail", "type", "send",
        "outcome", "succeeded");
    assertThat(buckets).hasSize(10);
    for (int i = 1; i < buckets.size(); i++) {
      assertThat(buckets.get(i).value()).isGreaterThanOrEqualTo(buckets.get(i - 1).value());
    }
    assertThat(buckets.get(buckets.size() - 1).labels()).containsEntry("le", "+Inf");
    assertThat(buckets.get(buckets.size() - 1).value()).isEqualTo(5);
    assertThat(m.value("berth_timed_run_duration_seconds_count", "service", "report"))
        .isEqualTo(m.value("berth_timed_runs_total", "service", "report", "outcome", "succeeded"));
    assertThat(m.value("berth_timed_skipped_total", "service", "report")).isZero();
    assertThat(m.value("berth_timed_next_run_seconds", "service", "report")).isBetween(0.0, 3600.0);
    assertThat(m.value("berth_service_state", "service", "report", "kind", "timed", "state", "running")).isEqualTo(1);
    assertThat(m.value("berth_service_state", "service", "report", "state", "failed")).isZero();
    assertThat(m.value("berth_service_state", "service", "queue:mail", "state", "running")).isEqualTo(1);
    assertThat(m.value("berth_queue_enqueued_total", "queue", "mail")).isEqualTo(7);
    assertThat(m.value("berth_queue_depth", "queue", "mail")).isZero();
    assertThat(m.value("berth_queue_in_flight", "queue", "mail")).isZero();
    // The JVM and Vert.x: the host created Vert.x with the module's metrics.
    assertThat(m.find("jvm_memory_used_bytes", "area", "heap")).isNotEmpty();
    assertThat(m.has("jvm_gc_")).isTrue();
    assertThat(m.has("jvm_threads_live_threads")).isTrue();
    assertThat(m.find("vertx_http_server_requests_total", "method", "GET", "code", "200")).isNotEmpty();
    assertThat(m.has("vertx_pool_")).isTrue();
    assertThat(m.has("vertx_eventbus_")).isTrue();

    // In flight and depth move with the queue.
    result(mail.enqueue("hold", new JsonObject()));
    result(mail.enqueue("send", new JsonObject()));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      PromText now = scrape(null, 200);
      assertThat(now.value("berth_queue_in_flight", "queue", "mail")).isEqualTo(1);
      assertThat(now.value("berth_queue_depth", "queue", "mail")).isEqualTo(1);
    });
    // A waiting item cancelled (by the API, off the workers): counted, not timed.
    String cancelled = result(mail.enqueue("send", new JsonObject()));
    assertThat(result(mail.cancel(cancelled))).contains(io.berth.work.ItemState.QUEUED);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape(null, 200).value(
        "berth_items_finished_total", "queue", "mail", "type", "send", "outcome", "cancelled")).isEqualTo(1));
    PromText afterCancel = scrape(null, 200);
    assertThat(afterCancel.find("berth_item_duration_seconds_count", "queue", "mail", "type", "send", "outcome",
        "cancelled")).isEmpty();
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape(null, 200)
        .value("berth_items_finished_total", "queue", "mail", "type", "send", "outcome", "succeeded")).isEqualTo(6));
    // Counters never go back: the cancelled one stays counted once.
    assertThat(scrape(null, 200).value("berth_items_finished_total", "queue", "mail", "type", "send", "outcome",
        "cancelled")).isEqualTo(1);
  }

  @Test
  void requireTokenAsksForTheAdminToken() throws Exception {
    host = Host.builder()
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
        .metrics(new MetricsModule().requireToken(true))
        .build();
    result(host.start());
    HttpResponse<String> anonymous = get(null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(get("wrong").statusCode()).isEqualTo(401);
    assertThat(scrape(TOKEN, 200).has("jvm_memory_used_bytes")).isTrue();
  }

  @Test
  void theDurableStoresCommitsAndTheirGroupSizeAreSeries() throws Exception {
    host = Host.builder()
        .store(new io.berth.work.StoreOptions().path(dir.resolve("berth.db")))
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
        .metrics(new MetricsModule())
        .queue(new io.berth.work.QueueOptions("q")).handler("t", ctx -> { })
        .build();
    result(host.start());
    List<io.vertx.core.Future<String>> accepted = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      accepted.add(host.work().queue("q").enqueue("t", new io.vertx.core.json.JsonObject()));
    }
    result(io.vertx.core.Future.all(accepted));
    PromText m = scrape(null, 200);
    double commits = m.value("berth_store_commit_seconds_count");
    double operations = m.value("berth_store_operations_total");
    // Every accepted item is an operation of some commit; group commit puts several in one.
    assertThat(operations).isGreaterThanOrEqualTo(200);
    assertThat(commits).isPositive().isLessThanOrEqualTo(operations);
    assertThat(m.value("berth_store_commit_seconds_sum")).isPositive();
  }

  @Test
  void tokenRefreshesAndExpiryAreSeries() throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
    try {
      io.vertx.core.http.HttpServer endpoint = vertx.createHttpServer().requestHandler(req -> {
        if (failing.get()) {
          failures.incrementAndGet();   // the same answer each time: the refresher's last error does not change
          req.response().setStatusCode(503).end("upstream down");
          return;
        }
        req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("access_token", "secret-" + fetches.incrementAndGet()).put("expires_in", 3600)
                .encode());
      });
      int port = endpoint.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
          .actualPort();
      io.berth.token.Tokens tokens = io.berth.token.Tokens.of(io.berth.token.TokenOptions
          .builder("api", "http://127.0.0.1:" + port + "/token")
          .backoff(Duration.ofMillis(10), Duration.ofMillis(40)).build());
      host = Host.builder()
          .module(tokens)
          .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("admin.token")))
          .metrics()
          .build();
      result(host.start());
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape(null, 200)
          .value("berth_token_refreshes_total", "token", "api", "outcome", "succeeded")).isEqualTo(1));
      PromText m = scrape(null, 200);
      assertThat(m.types).containsEntry("berth_token_refreshes_total", "counter")
          .containsEntry("berth_token_expiry_seconds", "gauge");
      assertThat(m.value("berth_token_expiry_seconds", "token", "api")).isBetween(3500.0, 3600.0);
      assertThat(m.value("berth_token_state", "token", "api", "state", "valid")).isEqualTo(1);
      assertThat(m.value("berth_token_state", "token", "api", "state", "unavailable")).isZero();

      result(tokens.refresh("api"));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(scrape(null, 200)
          .value("berth_token_refreshes_total", "token", "api", "outcome", "succeeded")).isEqualTo(2));
      assertThat(fetches).hasValue(2);
      assertThat(scrape(null, 200).samples).noneMatch(sample -> sample.labels().containsValue("secret-2"));
      assertThat(scrape(null, 200).value("berth_token_refreshes_total", "token", "api", "outcome", "failed"))
          .isZero();

      // Failures that repeat the same error are each one failed refresh (the state messages leave the repeats out).
      failing.set(true);
      assertThatThrownBy(() -> result(tokens.refresh("api"))).hasMessageContaining("could not be refreshed");
      await().atMost(Duration.ofSeconds(5)).until(() -> failures.get() >= 5);
      failing.set(false);
      await().atMost(Duration.ofSeconds(5)).until(() -> fetches.get() == 3);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        PromText now = scrape(null, 200);
        assertThat(now.value("berth_token_refreshes_total", "token", "api", "outcome", "failed"))
            .isEqualTo(failures.get());
        assertThat(now.value("berth_token_refreshes_total", "token", "api", "outcome", "succeeded")).isEqualTo(3);
        assertThat(now.value("berth_token_state", "token", "api", "state", "valid")).isEqualTo(1);
      });
      assertThat(failures.get()).isGreaterThanOrEqualTo(5);
    } finally {
      if (host != null) {
        result(host.stop());
        host = null;
      }
      result(vertx.close());
    }
  }

  private PromText scrape(String token, int status) throws Exception {
    HttpResponse<String> r = get(token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    return PromText.parse(r.body());
  }

  private HttpResponse<String> get(String token) throws Exception {
    int port = host.lifetime().httpAddress().orElseThrow().port();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
