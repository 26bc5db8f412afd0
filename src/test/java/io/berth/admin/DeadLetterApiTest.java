package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.RetryOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The dead-letter routes, cancel and the delayed enqueue over HTTP, with their errors. */
@ExtendWith(VertxExtension.class)
class DeadLetterApiTest {

  static final String JSON = "application/json";

  Host host;
  Api api;
  final AtomicBoolean heal = new AtomicBoolean();

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("q").retry(new RetryOptions().maxAttempts(2)
            .backoff(Duration.ofMillis(10), Duration.ofMillis(20))))
        .handler("log", ctx -> { })
        .handler("fail", ctx -> {
          if (!heal.get()) {
            throw new IllegalStateException("broken");
          }
        })
        .http(new HttpOptions().port(0).token("t").tokenFile(dir.resolve("admin.token")))
        .build();
    AdminApiTest.sync(host.start());
    api = Api.of(host, "t");
  }

  @AfterEach
  void stop() throws Exception {
    AdminApiTest.sync(host.stop());
  }

  private String status(String id) {
    return api.get("/api/v1/queues/q/items/" + id).json().getString("status");
  }

  @Test
  void aDeadItemIsListedRetriedAndDeleted() {
    String a = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"fail\"}").json().getString("id");
    String b = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"fail\"}").json().getString("id");
    await().atMost(Duration.ofSeconds(5)).until(() -> "dead".equals(status(a)) && "dead".equals(status(b)));
    JsonObject item = api.get("/api/v1/queues/q/items/" + a).json();
    assertThat(item.getInteger("attempts")).isEqualTo(2);
    assertThat(item.getJsonArray("errors")).hasSize(2);

    Resp dead = api.get("/api/v1/queues/q/dead?limit=10");
    assertThat(dead.status()).isEqualTo(200);
    assertThat(dead.json().getJsonArray("items")).hasSize(2);
    api.get("/api/v1/queues/q/dead?limit=0").assertError(400, "invalid_limit");
    api.get("/api/v1/queues/nope/dead").assertError(404, "unknown_queue");

    heal.set(true);
    Resp retried = api.post("/api/v1/queues/q/items/" + a + "/retry", null, "");
    assertThat(retried.status()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(status(a)));
    api.post("/api/v1/queues/q/items/" + a + "/retry", null, "").assertError(409, "not_dead");
    api.post("/api/v1/queues/q/items/nope/retry", null, "").assertError(404, "unknown_item");

    assertThat(api.method("DELETE", "/api/v1/queues/q/dead/" + b).status()).isEqualTo(200);
    api.method("DELETE", "/api/v1/queues/q/dead/" + b).assertError(404, "unknown_item");
    Resp all = api.post("/api/v1/queues/q/dead/retry", null, "");
    assertThat(all.status()).isEqualTo(202);
    assertThat(all.json().getLong("queued")).isZero();
    assertThat(api.get("/api/v1/queues/q/dead").json().getJsonArray("items")).isEmpty();
  }

  @Test
  void aDelayedEnqueueWaitsAndBadDelaysAre400() {
    String id = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"delay\":\"1h\"}").json().getString("id");
    JsonObject item = api.get("/api/v1/queues/q/items/" + id).json();
    assertThat(item.getString("status")).isEqualTo("queued");
    assertThat(Instant.parse(item.getString("runAt"))).isAfter(Instant.now().plusSeconds(3000));
    String past = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"runAt\":\"2000-01-01T00:00:00Z\"}")
        .json().getString("id");
    await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(status(past)));
    api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"delay\":-5}").assertError(400, "invalid_delay");
    api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"delay\":\"-1s\"}").assertError(400, "invalid_delay");
    api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"runAt\":\"soon\"}").assertError(400, "invalid_run_at");
    assertThat(status(id)).isEqualTo("queued");
  }

  @Test
  void deleteCancelsAQueuedItemAndAnEndedOneIs409() {
    String id = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"delay\":\"1h\"}").json().getString("id");
    Resp cancelled = api.method("DELETE", "/api/v1/queues/q/items/" + id);
    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.json().getString("status")).isEqualTo("cancelled");
    assertThat(status(id)).isEqualTo("cancelled");
    api.method("DELETE", "/api/v1/queues/q/items/" + id).assertError(409, "already_finished");
    api.method("DELETE", "/api/v1/queues/q/items/nope").assertError(404, "unknown_item");
    api.method("DELETE", "/api/v1/queues/nope/items/x").assertError(404, "unknown_queue");
  }

  @Test
  void aSecondEnqueueWithTheSameKeyAnswers200WithTheFirstId() {
    String body = "{\"type\":\"log\",\"delay\":\"1h\",\"key\":\"k-1\"}";
    Resp first = api.post("/api/v1/queues/q/items", JSON, body);
    assertThat(first.status()).isEqualTo(202);
    Resp second = api.post("/api/v1/queues/q/items", JSON, body);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json().getString("id")).isEqualTo(first.json().getString("id"));
    assertThat(second.json().getBoolean("duplicate")).isTrue();
    api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"key\":\"" + "k".repeat(201) + "\"}")
        .assertError(400, "invalid_key");
  }

  @Test
  void itemsAreListedWithACursorAndBadParametersAre400() {
    for (int i = 0; i < 3; i++) {
      api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\",\"delay\":\"1h\"}");
    }
    JsonObject first = api.get("/api/v1/queues/q/items?limit=2&state=queued").json();
    assertThat(first.getJsonArray("items")).hasSize(2);
    String next = first.getString("next");
    assertThat(next).isNotNull();
    JsonObject second = api.get("/api/v1/queues/q/items?limit=2&cursor=" + java.net.URLEncoder.encode(next,
        java.nio.charset.StandardCharsets.UTF_8)).json();
    assertThat(second.getJsonArray("items")).hasSize(1);
    assertThat(second.getValue("next")).isNull();
    api.get("/api/v1/queues/q/items?state=sleeping").assertError(400, "invalid_state");
    api.get("/api/v1/queues/q/items?limit=abc").assertError(400, "invalid_limit");
    api.get("/api/v1/queues/q/items?cursor=zzz").assertError(400, "invalid_cursor");
  }

  @Test
  void aQueueIsPausedAndResumed() {
    Resp paused = api.post("/api/v1/queues/q/pause", null, "");
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().getBoolean("paused")).isTrue();
    assertThat(api.get("/api/v1/queues").json().getJsonArray("queues").getJsonObject(0).getBoolean("paused")).isTrue();
    String id = api.post("/api/v1/queues/q/items", JSON, "{\"type\":\"log\"}").json().getString("id");
    assertThat(status(id)).isEqualTo("queued");
    assertThat(api.post("/api/v1/queues/q/resume", null, "").json().getBoolean("paused")).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(status(id)));
    api.post("/api/v1/queues/nope/pause", null, "").assertError(404, "unknown_queue");
  }
}
