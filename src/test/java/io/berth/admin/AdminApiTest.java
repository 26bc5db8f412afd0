package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.host.Host;
import io.berth.service.HostState;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.ExceptionPolicy;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class AdminApiTest {

  static final String TOKEN = "s3cret-token";

  /** Every /api/v1 route of this round, as method and path. */
  static final List<String[]> API_ROUTES = List.of(
      new String[] {"GET", "/api/v1/services"},
      new String[] {"POST", "/api/v1/services/worker/trigger"},
      new String[] {"POST", "/api/v1/services/nightly/pause"},
      new String[] {"POST", "/api/v1/services/nightly/resume"},
      new String[] {"POST", "/api/v1/shutdown"},
      new String[] {"GET", "/api/v1/events"},
      new String[] {"GET", "/api/v1/openapi.json"},
      new String[] {"GET", "/api/v1/queues"},
      new String[] {"POST", "/api/v1/queues/default/items"},
      new String[] {"GET", "/api/v1/queues/default/items/1"},
      new String[] {"GET", "/api/v1/tokens"},
      new String[] {"POST", "/api/v1/tokens/x/refresh"},
      new String[] {"GET", "/api/v1/no-such-route"});

  Host host;
  Api api;
  final CountDownLatch inRun = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    host = Host.builder().vertx(vertx)
        .background("worker", token -> token.future().toCompletionStage().toCompletableFuture().join())
        .background(new FailsOnceStarted(), o -> o.name("broken").exceptionPolicy(ExceptionPolicy.IGNORE))
        .timed("nightly", run -> {
          inRun.countDown();
          release.await(10, TimeUnit.SECONDS);
        }, o -> o.schedule(Schedule.every(Duration.ofHours(24))).initialDelay(Duration.ofHours(1)))
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("unused.token")))
        .build();
    sync(host.start());
    api = Api.of(host, TOKEN);
    await().atMost(Duration.ofSeconds(5)).until(() -> host.services().stream()
        .anyMatch(s -> s.name().equals("broken") && s.state().label().equals("failed")));
  }

  /**
   * Fails once the host has started (a failure during start would race the host marking the service running).
   */
  static final class FailsOnceStarted implements BackgroundService {
    private volatile ServiceContext context;

    @Override
    public void init(ServiceContext context) {
      this.context = context;
    }

    @Override
    public void execute(CancellationToken token) throws Exception {
      context.lifetime().started().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      throw new IllegalStateException("broken on purpose");
    }
  }

  @AfterEach
  void stop() throws Exception {
    sync(host.stop());
  }

  static <T> T sync(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  @Test
  void healthRoutesAreOpenAndReadyListsFailedServices() {
    Api anonymous = api.withToken(null);
    Resp live = anonymous.get("/health/live");
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().getString("status")).isEqualTo("live");

    Resp ready = anonymous.get("/health/ready");
    assertThat(ready.status()).as("a failed service is critical by default").isEqualTo(503);
    assertThat(ready.json().getString("status")).isEqualTo("not-ready");
    assertThat(ready.json().getString("state")).isEqualTo("started");
    JsonArray failed = ready.json().getJsonArray("failed");
    assertThat(failed).hasSize(1);
    assertThat(failed.getJsonObject(0).getString("service")).isEqualTo("broken");
    assertThat(failed.getJsonObject(0).getString("error")).contains("broken on purpose");
  }

  @Test
  void servicesListsEveryServiceInStartOrder() {
    Resp r = api.get("/api/v1/services");
    assertThat(r.status()).isEqualTo(200);
    JsonArray services = r.json().getJsonArray("services");
    assertThat(services.stream().map(o -> ((JsonObject) o).getString("name")))
        .containsExactly("fire", "worker", "broken", "nightly", "http");
    JsonObject worker = services.getJsonObject(1);
    assertThat(worker.getString("kind")).isEqualTo("background");
    assertThat(worker.getString("state")).isEqualTo("running");
    assertThat(worker.getString("startedAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(worker.containsKey("error")).isTrue();
    assertThat(services.getJsonObject(2).getString("error")).contains("broken on purpose");
    JsonObject nightly = services.getJsonObject(3);
    assertThat(nightly.getString("kind")).isEqualTo("timed");
    assertThat(nightly.getString("schedule")).isEqualTo("every 1d");
    assertThat(nightly.getLong("runs")).isZero();
    assertThat(nightly.getString("nextRunAt")).isNotNull();
    assertThat(nightly.getBoolean("running")).isFalse();
    assertThat(nightly.containsKey("lastRunAt")).isTrue();
    assertThat(nightly.containsKey("lastDurationMs")).isTrue();
    assertThat(nightly.containsKey("failures")).isTrue();
    assertThat(services.getJsonObject(4).getString("kind")).isEqualTo("http");
  }

  @Test
  void triggerRunsATimedServiceNowAndAnswers409WhileItRuns() throws Exception {
    Resp r = api.post("/api/v1/services/nightly/trigger", null, "");
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.json()).isEqualTo(new JsonObject().put("service", "nightly").put("triggered", true));
    assertThat(inRun.await(5, TimeUnit.SECONDS)).isTrue();

    JsonObject busy = api.post("/api/v1/services/nightly/trigger", null, "").assertError(409, "running");
    assertThat(busy.getString("message")).contains("nightly").matches("[A-Z].*\\.");
    release.countDown();
  }

  @Test
  void triggerAnswers404ForUnknownAnd400ForNonTimedServices() {
    JsonObject unknown = api.post("/api/v1/services/nope/trigger", null, "").assertError(404, "unknown_service");
    JsonObject notTimed = api.post("/api/v1/services/worker/trigger", null, "").assertError(400, "not_timed");
    assertThat(notTimed.getString("message")).contains("worker").contains("background");
    // Every message a sentence: a capital letter first, a full stop last.
    assertThat(List.of(unknown.getString("message"), notTimed.getString("message"))).allMatch(m -> m.matches("[A-Z].*\\."));
  }

  @Test
  void pauseAndResumeRefuseUnknownAndNonTimedServicesAsTriggerDoes() {
    for (String action : List.of("pause", "resume")) {
      api.post("/api/v1/services/nope/" + action, null, "").assertError(404, "unknown_service");
      JsonObject notTimed = api.post("/api/v1/services/worker/" + action, null, "").assertError(400, "not_timed");
      assertThat(notTimed.getString("message")).contains("worker").matches("[A-Z].*\\.");
    }
  }

  @Test
  void pausingATimedServiceAnswersItsStateAndTheServicesListShowsIt() {
    Resp r = api.post("/api/v1/services/nightly/pause", null, "");
    assertThat(r.json()).isEqualTo(new JsonObject().put("service", "nightly").put("paused", true));
    assertThat(nightly().getBoolean("paused")).isTrue();
    assertThat(api.post("/api/v1/services/nightly/resume", null, "").json().getBoolean("paused")).isFalse();
    assertThat(nightly().getBoolean("paused")).isFalse();
  }

  private JsonObject nightly() {
    return api.get("/api/v1/services").json().getJsonArray("services").stream().map(JsonObject.class::cast)
        .filter(s -> s.getString("name").equals("nightly")).findFirst().orElseThrow();
  }

  @Test
  void openApiDocumentDescribesEveryRoute() {
    Resp r = api.get("/api/v1/openapi.json");
    assertThat(r.status()).isEqualTo(200);
    JsonObject doc = r.json();
    assertThat(doc.getString("openapi")).startsWith("3.");
    assertThat(doc.getJsonObject("paths").fieldNames()).contains(
        "/health/live", "/health/ready", "/api/v1/services", "/api/v1/services/{name}/trigger", "/api/v1/queues",
        "/api/v1/queues/{queue}/items", "/api/v1/queues/{queue}/items/{id}", "/api/v1/tokens",
        "/api/v1/tokens/{name}/refresh", "/api/v1/shutdown",
        "/api/v1/events", "/api/v1/openapi.json");
  }

  @Test
  void everyApiRouteAnswers401WithoutOrWithAWrongToken() {
    for (Api client : List.of(api.withToken(null), api.withToken("wrong"), api.withToken(TOKEN + "x"),
        api.withToken(""))) {
      for (String[] route : API_ROUTES) {
        Resp r = client.method(route[0], route[1]);
        r.assertError(401, "unauthorized");
        assertThat(r.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      }
    }
    // A scheme other than Bearer is refused too.
    Resp basic = api.withToken(null).send(api.withToken(null).request("/api/v1/services")
        .header("Authorization", "Basic dXNlcjpwYXNz").GET());
    basic.assertError(401, "unauthorized");
    assertThat(host.lifetime().state()).isEqualTo(HostState.STARTED);
  }

  @Test
  void unknownRouteAndWrongMethodAnswerInJson() {
    api.get("/nope").assertError(404, "not_found");
    api.get("/api/v1/nope").assertError(404, "not_found");
    JsonObject wrongMethod = api.method("DELETE", "/api/v1/services").assertError(405, "method_not_allowed");
    assertThat(wrongMethod.getString("message")).contains("DELETE");
    api.method("POST", "/health/live").assertError(405, "method_not_allowed");
  }

  @Test
  void requestsThatAreNotValidHttpAreAnsweredInJson() throws Exception {
    int port = host.lifetime().httpAddress().orElseThrow().port();
    try (RawHttp raw = new RawHttp(port)) {
      String response = raw.write("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20_000) + "\r\n\r\n")
          .readResponse();
      assertThat(RawHttp.status(response)).isEqualTo(431);
      assertThat(new JsonObject(RawHttp.body(response)).getString("error")).isEqualTo("headers_too_large");
    }
    try (RawHttp raw = new RawHttp(port)) {
      String response = raw.write("GET /" + "x".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").readResponse();
      assertThat(RawHttp.status(response)).isEqualTo(414);
      assertThat(new JsonObject(RawHttp.body(response)).getString("error")).isEqualTo("uri_too_long");
    }
    assertThat(api.get("/health/live").status()).isEqualTo(200);
  }

  @Test
  void shutdownAnswers202ThenStopsTheHost() throws Exception {
    Resp r = api.post("/api/v1/shutdown", null, "");
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.json().getString("status")).isEqualTo("stopping");
    sync(host.lifetime().stopped());
    assertThat(host.lifetime().state()).isEqualTo(HostState.STOPPED);
    assertThat(host.exitCode()).isZero();
  }
}
