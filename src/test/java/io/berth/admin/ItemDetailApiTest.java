package io.berth.admin;

import io.berth.host.Host;
import io.berth.work.LocalWork;
import io.berth.work.QueueOptions;
import io.berth.work.RetryOptions;
import io.berth.work.StoreOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /api/v1/queues/{queue}/items/{id}} carries the item's payload as enqueued, on the memory and the SQLite
 * store: while queued, and when dead (both keep it); after success only SQLite still has it (the memory store let go
 * of it: {@code null}); in-process work has none; listings never carry payloads.
 */
@ExtendWith(VertxExtension.class)
class ItemDetailApiTest {

  static final String JSON = "application/json";
  static final JsonObject PAYLOAD = new JsonObject().put("to", "ops@example.org")
      .put("lines", new JsonArray().add(1).add("two").addNull()).put("nested", new JsonObject().put("ok", true));

  Host host;
  Api api;

  private void start(Vertx vertx, Path dir, String store) throws Exception {
    Host.Builder b = Host.builder().vertx(vertx)
        .queue(new QueueOptions("q").retry(new RetryOptions().maxAttempts(1)))
        .handler("q", "log", ctx -> { })
        .handler("q", "fail", ctx -> {
          throw new IllegalStateException("broken");
        })
        .http(new HttpOptions().port(0).token("t").tokenFile(dir.resolve("admin.token")));
    if (store.equals("sqlite")) {
      b.store(new StoreOptions().path(dir.resolve("berth.db")).fullSync(false));
    }
    host = b.build();
    AdminApiTest.sync(host.start());
    api = Api.of(host, "t");
  }

  @AfterEach
  void stop() throws Exception {
    if (host != null) {
      AdminApiTest.sync(host.stop());
    }
  }

  private String enqueue(String type) {
    Api.Resp r = api.post("/api/v1/queues/q/items", JSON,
        new JsonObject().put("type", type).put("payload", PAYLOAD).encode());
    assertThat(r.status()).as(r.body()).isEqualTo(202);
    return r.json().getString("id");
  }

  private JsonObject detail(String id) {
    Api.Resp r = api.get("/api/v1/queues/q/items/" + id);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite"})
  void theDetailCarriesThePayloadWhileQueuedAndListingsNever(String store, Vertx vertx, @TempDir Path dir)
      throws Exception {
    start(vertx, dir, store);
    WorkQueue q = host.work().queue("q");
    AdminApiTest.sync(q.pause());
    String id = enqueue("log");

    JsonObject item = detail(id);
    assertThat(item.getString("status")).isEqualTo("queued");
    assertThat(item.getJsonObject("payload")).isEqualTo(PAYLOAD);

    JsonObject page = api.get("/api/v1/queues/q/items").json();
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo(id);
    assertThat(page.getJsonArray("items").getJsonObject(0).containsKey("payload")).isFalse();

    AdminApiTest.sync(q.resume());
    await().atMost(Duration.ofSeconds(10)).until(() -> "succeeded".equals(detail(id).getString("status")));
    JsonObject done = detail(id);
    assertThat(done.containsKey("payload")).isTrue();
    if (store.equals("sqlite")) {
      assertThat(done.getJsonObject("payload")).as("the row keeps it").isEqualTo(PAYLOAD);
    } else {
      assertThat(done.getValue("payload")).as("the memory store let go of it").isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "sqlite"})
  void aDeadItemKeepsItsPayloadAndInProcessWorkHasNone(String store, Vertx vertx, @TempDir Path dir)
      throws Exception {
    start(vertx, dir, store);
    String dead = enqueue("fail");
    await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(detail(dead).getString("status")));
    assertThat(detail(dead).getJsonObject("payload")).isEqualTo(PAYLOAD);
    JsonObject letters = api.get("/api/v1/queues/q/dead").json();
    assertThat(letters.getJsonArray("items").getJsonObject(0).containsKey("payload")).isFalse();

    WorkQueue q = host.work().queue("q");
    AdminApiTest.sync(q.pause());
    String local = AdminApiTest.sync(q.enqueue(LocalWork.of(ctx -> { })));
    JsonObject item = detail(local);
    assertThat(item.getString("status")).isEqualTo("queued");
    assertThat(item.containsKey("payload")).isTrue();
    assertThat(item.getValue("payload")).isNull();

    api.get("/api/v1/queues/q/items/no-such-id").assertError(404, "unknown_item");
  }
}
