package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.host.Host;
import io.berth.work.FullMode;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every success and error status of the queue routes, with the error body shape. */
@ExtendWith(VertxExtension.class)
class QueueApiTest {

  static final String JSON = "application/json";

  Host host;
  Api api;
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("default"))
        .queue(new QueueOptions("strict").capacity(1).concurrency(1).fullMode(FullMode.REJECT))
        .queue(new QueueOptions("patient").capacity(1).concurrency(1).enqueueTimeout(Duration.ofMillis(200)))
        .handler("log", ctx -> { })
        .handler("fail", ctx -> {
          throw new IllegalStateException(ctx.payload().getString("message"));
        })
        .handler("hold", ctx -> release.await(10, TimeUnit.SECONDS))
        .http(new HttpOptions().port(0).token("t").maxBodySize(1024)
            .drainDelay(Duration.ofMillis(1500)).tokenFile(dir.resolve("admin.token")))
        .build();
    AdminApiTest.sync(host.start());
    api = Api.of(host, "t");
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    AdminApiTest.sync(host.stop());
  }

  @Test
  void enqueueAnswers202WithTheIdAndALocationThatReachesSucceeded() {
    Resp r = api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\",\"payload\":{\"message\":\"hi\"}}");

    assertThat(r.status()).isEqualTo(202);
    String id = r.json().getString("id");
    assertThat(r.json()).isEqualTo(new JsonObject().put("id", id).put("queue", "default").put("status", "queued"));
    String location = r.headers().firstValue("Location").orElseThrow();
    assertThat(location).isEqualTo("/api/v1/queues/default/items/" + id);
    await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(api.get(location).json().getString("status")));
    JsonObject item = api.get(location).json();
    assertThat(item.getString("type")).isEqualTo("log");
    assertThat(item.getInteger("attempts")).isEqualTo(1);
    assertThat(item.getString("enqueuedAt")).isNotNull();
    assertThat(item.getString("startedAt")).isNotNull();
    assertThat(item.getString("finishedAt")).isNotNull();
    assertThat(item.containsKey("error")).isTrue();
  }

  @Test
  void aPayloadIsOptionalAndAFailedItemHoldsItsError() {
    assertThat(api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\"}").status()).isEqualTo(202);
    String id = api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"fail\",\"payload\":{\"message\":\"bad data\"}}")
        .json().getString("id");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        "retrying".equals(api.get("/api/v1/queues/default/items/" + id).json().getString("status")));
    assertThat(api.get("/api/v1/queues/default/items/" + id).json().getString("error")).contains("bad data");
  }

  @Test
  void badBodiesAnswer400NamingTheField() {
    api.post("/api/v1/queues/default/items", JSON, "{\"type\":").assertError(400, "malformed_json");
    assertThat(api.post("/api/v1/queues/default/items", JSON, "{\"payload\":{}}").assertError(400, "invalid_type")
        .getString("message")).contains("'type'");
    api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"  \"}").assertError(400, "invalid_type");
    api.post("/api/v1/queues/default/items", JSON, "{\"type\":42}").assertError(400, "invalid_type");
    assertThat(api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\",\"payload\":[1]}")
        .assertError(400, "invalid_payload").getString("message")).contains("'payload'");
    api.post("/api/v1/queues/default/items", JSON, "[]").assertError(400, "body_not_object");
    api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\",\"extra\":1}").assertError(400, "unknown_field");
  }

  @Test
  void unknownQueueTypeAndItemAnswer404And422() {
    assertThat(api.post("/api/v1/queues/nope/items", JSON, "{\"type\":\"log\"}").assertError(404, "unknown_queue")
        .getString("message")).contains("'nope'").contains("default");
    assertThat(api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"nope\"}").assertError(422, "unknown_type")
        .getString("message")).contains("nope").contains("log");
    api.get("/api/v1/queues/default/items/no-such-id").assertError(404, "unknown_item");
    api.get("/api/v1/queues/nope/items/x").assertError(404, "unknown_queue");
  }

  @Test
  void wrongContentTypeAndOversizedBodiesAnswer415And413() {
    api.post("/api/v1/queues/default/items", "text/plain", "{\"type\":\"log\"}").assertError(415, "unsupported_media_type");
    api.post("/api/v1/queues/default/items", null, "{\"type\":\"log\"}").assertError(415, "unsupported_media_type");
    String big = "{\"type\":\"log\",\"payload\":{\"message\":\"" + "x".repeat(2000) + "\"}}";
    api.post("/api/v1/queues/default/items", JSON, big).assertError(413, "body_too_large");
    assertThat(host.work().queue("default").stats().enqueued()).isZero();
  }

  @Test
  void aFullQueueAnswers503WithRetryAfterInRejectAndWaitModes() {
    assertThat(api.post("/api/v1/queues/strict/items", JSON, "{\"type\":\"hold\"}").status()).isEqualTo(202);
    Resp full = api.post("/api/v1/queues/strict/items", JSON, "{\"type\":\"hold\"}");
    full.assertError(503, "queue_full");
    assertThat(full.headers().firstValue("Retry-After")).isPresent();

    assertThat(api.post("/api/v1/queues/patient/items", JSON, "{\"type\":\"hold\"}").status()).isEqualTo(202);
    Resp timedOut = api.post("/api/v1/queues/patient/items", JSON, "{\"type\":\"hold\"}");
    timedOut.assertError(503, "enqueue_timeout");
    assertThat(timedOut.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(host.work().queue("strict").stats().rejected()).isEqualTo(1);
  }

  @Test
  void queuesListsEveryQueueWithItsFigures() {
    api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> host.work().queue("default").stats().succeeded() == 1);

    Resp r = api.get("/api/v1/queues");
    assertThat(r.status()).isEqualTo(200);
    JsonArray queues = r.json().getJsonArray("queues");
    assertThat(queues.stream().map(q -> ((JsonObject) q).getString("name"))).containsExactly("default", "strict", "patient");
    JsonObject q = queues.getJsonObject(0);
    assertThat(q.fieldNames()).contains("name", "capacity", "fullMode", "concurrency", "depth", "inFlight", "enqueued",
        "rejected", "succeeded", "failed", "latency");
    assertThat(q.getInteger("capacity")).isEqualTo(100);
    assertThat(q.getString("fullMode")).isEqualTo("wait");
    assertThat(q.getInteger("concurrency")).isEqualTo(4);
    assertThat(q.getLong("enqueued")).isEqualTo(1);
    assertThat(q.getLong("succeeded")).isEqualTo(1);
    assertThat(r.json().getJsonObject("fire").fieldNames()).contains("fired", "running");
  }

  @Test
  void aStoppingHostAnswers503WhileTheServerDrains() {
    host.lifetime().stopApplication();
    await().atMost(Duration.ofSeconds(5)).until(() -> host.lifetime().stopping().isComplete());

    Resp r = api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\"}");

    r.assertError(503, "stopping");
    assertThat(host.work().queue("default").stats().enqueued()).isZero();
  }
}
