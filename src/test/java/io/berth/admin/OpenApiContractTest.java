package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.host.Host;
import io.berth.service.ExceptionPolicy;
import io.berth.service.Schedule;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.OpenAPIContractException;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.ResponseValidator;
import io.vertx.openapi.validation.ValidatableResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The served contract is the truth: vertx-openapi loads the document {@code GET /api/v1/openapi.json} answers, every
 * route the server has under {@code /api/v1} and {@code /health} is in it (read from the server's own router), every
 * operation in it is answered by the server, and the answers of the key operations have a documented status and
 * match their documented schema (checked by the library's response validator).
 */
@ExtendWith(VertxExtension.class)
class OpenApiContractTest {

  static final String TOKEN = "contract-token";
  static final String JSON = "application/json";

  static Vertx vertx;
  static Host host;
  static Api api;
  static JsonObject served;
  static OpenAPIContract contract;
  static final AtomicReference<Router> router = new AtomicReference<>();
  static final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("contract");
    host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("default"))
        .handler("log", ctx -> { })
        .handler("hold", ctx -> release.await(10, TimeUnit.SECONDS))   // keeps a keyed item unfinished
        .background("worker", token -> token.future().toCompletionStage().toCompletableFuture().join())
        .background(new AdminApiTest.FailsOnceStarted(), o -> o.name("broken").exceptionPolicy(ExceptionPolicy.IGNORE))
        .timed("nightly", run -> release.await(10, TimeUnit.SECONDS),
            o -> o.schedule(Schedule.every(Duration.ofHours(24))).initialDelay(Duration.ofHours(1)))
        .http(new HttpOptions().port(0).token(TOKEN).maxBodySize(1024).tokenFile(dir.resolve("unused.token")))
        .routes(router::set)   // the server's own router, with Berth's routes already on it
        .build();
    AdminApiTest.sync(host.start());
    api = Api.of(host, TOKEN);
    Resp served = api.get("/api/v1/openapi.json");
    assertThat(served.status()).isEqualTo(200);
    OpenApiContractTest.served = served.json();
    contract = AdminApiTest.sync(OpenAPIContract.from(vertx, served.json()));
  }

  @AfterAll
  static void stop() throws Exception {
    release.countDown();
    AdminApiTest.sync(host.stop());
    AdminApiTest.sync(vertx.close());
  }

  @Test
  void theServedDocumentIsAValidContractAndTheLibraryRejectsAnInvalidOne() {
    assertThat(contract.operations()).hasSizeGreaterThan(20);
    // The check has teeth: the 3.1 form the document once had is refused by the same library.
    JsonObject broken = served.copy();
    broken.getJsonObject("components").getJsonObject("schemas").getJsonObject("Item").getJsonObject("properties")
        .getJsonObject("error").put("type", new io.vertx.core.json.JsonArray().add("string").add("null"));
    assertThatThrownBy(() -> AdminApiTest.sync(OpenAPIContract.from(vertx, broken)))
        .hasCauseInstanceOf(OpenAPIContractException.class);
  }

  @Test
  void everyRouteTheServerHasUnderTheApiAndHealthIsInTheContract() {
    List<String> missing = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (Route route : router.get().getRoutes()) {
      String path = route.getPath();
      if (path == null || !(path.startsWith(AdminServer.API + "/") || path.startsWith("/health/"))) {
        continue;
      }
      if (path.endsWith("/") && (route.methods() == null || route.methods().isEmpty())) {
        continue;   // the bearer check in front of every route under the API: a prefix, not a route
      }
      assertThat(route.methods()).as("methods of route %s", path).isNotEmpty();
      String documented = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
      for (HttpMethod method : route.methods()) {
        seen.add(method + " " + documented);
        JsonObject item = served.getJsonObject("paths").getJsonObject(documented);
        if (item == null || !item.containsKey(method.name().toLowerCase())) {
          missing.add(method + " " + documented);
        }
      }
    }
    assertThat(seen).as("the routes read from the router").contains("GET /api/v1/events", "POST /api/v1/queues/{queue}/items",
        "GET /health/ready", "POST /api/v1/services/{name}/pause");
    assertThat(missing).as("routes the server answers but the contract does not document").isEmpty();
    // GET /api/v1/nodes is documented and served only by a clustered host (the cluster module adds it); ClusterTest
    // checks it there.
    assertThat(seen).as("every documented operation has a route").hasSize(contract.operations().size() - 1);
    assertThat(contract.operation("listNodes")).isNotNull();
  }

  @Test
  void anUndocumentedPathUnderTheApiIsNotAnsweredAsAnOperation() {
    for (String path : List.of("/api/v1/nope", "/api/v1/services/worker", "/api/v1/queues/default/items/1/nope",
        "/health", "/health/nope")) {
      assertThat(contract.findOperation(path, HttpMethod.GET)).as(path).isNull();
      api.get(path).assertError(404, "not_found");
    }
  }

  /** One request of a key operation and the status it must get. */
  record Call(String method, String path, String body, int status, String code) {
  }

  @Test
  void theKeyOperationsAnswerDocumentedStatusesWithDocumentedBodies() throws Exception {
    await().atMost(Duration.ofSeconds(5)).until(() -> host.services().stream()
        .anyMatch(s -> s.name().equals("broken") && s.state().label().equals("failed")));
    List<Call> calls = List.of(
        new Call("GET", "/health/live", null, 200, null),
        new Call("GET", "/health/ready", null, 503, null),   // 'broken' failed, and it is critical
        new Call("GET", "/api/v1/services", null, 200, null),
        new Call("GET", "/api/v1/queues", null, 200, null),
        new Call("GET", "/api/v1/tokens", null, 200, null),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"log\",\"payload\":{\"a\":1}}", 202, null),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"hold\",\"key\":\"k1\"}", 202, null),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"hold\",\"key\":\"k1\"}", 200, null),
        new Call("POST", "/api/v1/queues/default/items", "{\"payload\":{}}", 400, "invalid_type"),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"log\",\"runAt\":\"soon\"}", 400, "invalid_run_at"),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"log\",\"more\":1}", 400, "unknown_field"),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"nope\"}", 422, "unknown_type"),
        new Call("POST", "/api/v1/queues/nope/items", "{\"type\":\"log\"}", 404, "unknown_queue"),
        new Call("POST", "/api/v1/queues/default/items", "{\"type\":\"" + "x".repeat(2000) + "\"}", 413, "body_too_large"),
        new Call("GET", "/api/v1/queues/default/items?limit=0", null, 400, "invalid_limit"),
        new Call("GET", "/api/v1/queues/default/items?state=sleeping", null, 400, "invalid_state"),
        new Call("GET", "/api/v1/queues/default/items?limit=2", null, 200, null),
        new Call("GET", "/api/v1/queues/default/items?type=%25zz", null, 400, "bad_request"),   // "%zz" once decoded
        new Call("GET", "/api/v1/queues/default/items/nope", null, 404, "unknown_item"),
        new Call("GET", "/api/v1/queues/default/dead", null, 200, null),
        new Call("POST", "/api/v1/services/nope/trigger", null, 404, "unknown_service"),
        new Call("POST", "/api/v1/services/worker/trigger", null, 400, "not_timed"),
        new Call("POST", "/api/v1/services/nope/pause", null, 404, "unknown_service"),
        new Call("POST", "/api/v1/services/worker/resume", null, 400, "not_timed"),
        new Call("POST", "/api/v1/tokens/nope/refresh", null, 404, "unknown_token"));
    // vertx-json-schema 5.0.10 does not implement OpenAPI 3.0's 'nullable' (it reads {type: string, nullable: true}
    // as a plain string), so the answers are checked against a copy where 'nullable' also admits null.
    ResponseValidator validator = ResponseValidator.create(vertx,
        AdminApiTest.sync(OpenAPIContract.from(vertx, admittingNull(served.copy()))));
    for (Call call : calls) {
      HttpRequest.Builder b = api.request(call.path());
      b.method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(call.body()));
      if (call.body() != null) {
        b.header("Content-Type", JSON);
      }
      Resp r = api.send(b);
      String what = call.method() + " " + call.path();
      if (call.code() != null) {
        r.assertError(call.status(), call.code());
      } else {
        assertThat(r.status()).as("status of %s: %s", what, r.body()).isEqualTo(call.status());
      }
      Operation operation = contract.findOperation(call.path().split("\\?")[0], HttpMethod.valueOf(call.method()));
      assertThat(operation).as("the operation of %s", what).isNotNull();
      assertThat(operation.getResponse(r.status())).as("%s answered %s, which the contract does not document", what,
          r.status()).isNotNull();
      try {
        AdminApiTest.sync(validator.validate(ValidatableResponse.create(r.status(), Buffer.buffer(r.body()), JSON),
            operation.getOperationId()));
      } catch (Exception e) {
        throw new AssertionError("the answer of " + what + " does not match the contract: " + r.body(), e);
      }
    }
    // Without the token, every operation under the API answers its documented 401.
    for (Operation operation : contract.operations()) {
      if (!operation.getOpenAPIPath().startsWith(AdminServer.API)) {
        continue;
      }
      String path = operation.getOpenAPIPath().replaceAll("\\{[^}]+}", "x");
      Resp r = api.withToken(null).method(operation.getHttpMethod().name(), path);
      r.assertError(401, "unauthorized");
      assertThat(operation.getResponse(401)).as("401 of %s", operation.getOperationId()).isNotNull();
    }
  }

  /** {@code schema} with every {@code {…, nullable: true}} rewritten as {@code anyOf: [{…}, {enum: [null]}]}. */
  /** An item's detail matches the contract's ItemDetail with its payload, and with a payload no longer kept (null). */
  @Test
  void anItemsDetailWithAndWithoutItsPayloadMatchesTheContract() throws Exception {
    ResponseValidator validator = ResponseValidator.create(vertx,
        AdminApiTest.sync(OpenAPIContract.from(vertx, admittingNull(served.copy()))));
    JsonObject payload = new JsonObject().put("to", "ops").put("n", new io.vertx.core.json.JsonArray().add(1));
    Resp held = api.post("/api/v1/queues/default/items", JSON,
        new JsonObject().put("type", "hold").put("key", "detail").put("payload", payload).encode());
    assertThat(held.status()).as(held.body()).isEqualTo(202);
    Resp done = api.post("/api/v1/queues/default/items", JSON, "{\"type\":\"log\",\"payload\":{\"a\":1}}");
    assertThat(done.status()).as(done.body()).isEqualTo(202);
    String doneId = done.json().getString("id");
    await().atMost(Duration.ofSeconds(10)).until(() ->
        "succeeded".equals(api.get("/api/v1/queues/default/items/" + doneId).json().getString("status")));
    for (String id : List.of(held.json().getString("id"), doneId)) {
      Resp r = api.get("/api/v1/queues/default/items/" + id);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      assertThat(r.json().getValue("payload")).isEqualTo(id.equals(doneId) ? null : payload);
      try {
        AdminApiTest.sync(validator.validate(ValidatableResponse.create(200, Buffer.buffer(r.body()), JSON),
            "getItem"));
      } catch (Exception e) {
        throw new AssertionError("the detail does not match the contract: " + r.body(), e);
      }
    }
    // The schema does check the field: a payload that is not an object is refused.
    String forged = api.get("/api/v1/queues/default/items/" + doneId).json().put("payload", "text").encode();
    assertThatThrownBy(() -> AdminApiTest.sync(validator.validate(
        ValidatableResponse.create(200, Buffer.buffer(forged), JSON), "getItem"))).isNotNull();
  }

  static JsonObject admittingNull(JsonObject schema) {
    for (String key : Set.copyOf(schema.fieldNames())) {
      Object value = schema.getValue(key);
      if (value instanceof JsonObject o) {
        schema.put(key, admittingNull(o));
      } else if (value instanceof io.vertx.core.json.JsonArray a) {
        for (int i = 0; i < a.size(); i++) {
          if (a.getValue(i) instanceof JsonObject o) {
            a.set(i, admittingNull(o));
          }
        }
      }
    }
    if (Boolean.TRUE.equals(schema.getValue("nullable"))) {
      JsonObject plain = schema.copy();
      plain.remove("nullable");
      return new JsonObject().put("anyOf", new io.vertx.core.json.JsonArray().add(plain)
          .add(new JsonObject().put("nullable", true).put("enum", new io.vertx.core.json.JsonArray().addNull())));
    }
    return schema;
  }
}
