package io.berth.examples;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigReader;
import io.berth.core.ServiceEvent;
import io.berth.host.Host;
import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's snippets, compiled and run: the lines between the markers are the ones the README shows. */
@ExtendWith(VertxExtension.class)
class ReadmeExamplesTest {

  private static final Logger log = LoggerFactory.getLogger(ReadmeExamplesTest.class);

  final AtomicInteger polls = new AtomicInteger();
  final List<String> sent = new CopyOnWriteArrayList<>();
  final List<JsonObject> audited = new CopyOnWriteArrayList<>();

  @Test
  void theTour(Vertx vertx, @org.junit.jupiter.api.io.TempDir Path dir) {
    int port = 0;
    Host.Builder builder = Host.builder().vertx(vertx);
    // README: tour
    Host host = builder
        .service(new Migrations())                           // HostedService: start/stop, start runs on a worker
        .background("poller", token -> {                     // BackgroundService: a loop on a thread of its own
          while (token.sleep(Duration.ofMillis(20))) {
            poll();
          }
        })
        .timed("report", Schedule.cron("0 0 3 * * *", ZoneId.of("Europe/Paris")), run -> report(run.scope()))
        .http(new HttpOptions().port(port).tokenFile(dir.resolve("admin.token")))   // always started last
        .build();
    Future<Void> run = host.run();   // a Future<Void> that completes when the host has stopped
    // README: end
    await().until(() -> polls.get() >= 2 && host.lifetime().isReady());
    host.lifetime().stopApplication();
    Await.result(run);
  }

  @Test
  void theExtensions(Vertx vertx, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    ConfigReader config = ConfigReader.of(new JsonObject().put("services", new JsonObject()
        .put("digest", new JsonObject().put("batch", 7))));
    List<String> states = new CopyOnWriteArrayList<>();
    Host.Builder builder = Host.builder().vertx(vertx);
    // README: extending
    Host host = builder.config(config)
        .service(new Digest(), o -> o.name("digest").configKeys("batch"))   // reads services.digest.batch itself
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .routes(router -> router.get("/hello").handler(rc -> rc.end("hello")))   // same server and port as Berth's
        .module(ctx -> ctx.listen(event -> {                                     // every host event, as it happens
          if (event instanceof ServiceEvent s) {
            log.info("{} is {}", s.service(), s.state().label());
            states.add(s.service() + " " + s.state().label());
          }
        }))
        .build();
    // README: end
    config.rejectUnknownKeys();
    Await.result(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    java.net.http.HttpResponse<String> hello = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/hello")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    Await.result(host.stop());

    assertThat(hello.body()).isEqualTo("hello");
    assertThat(batch.get()).isEqualTo(7);
    assertThat(states).contains("digest running", "http running", "digest stopped");
  }

  @Test
  void metricsAndHealth(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    java.util.function.BooleanSupplier pingDatabase = () -> true;
    // README: metrics
    Host host = Host.builder()                                 // creates its Vert.x, with Vert.x's metrics on
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .metrics()                                             // GET /metrics (Prometheus text)
        .healthCheck("db", Duration.ofSeconds(2), promise ->   // /health/ready is 503 while it fails
            promise.complete(pingDatabase.getAsBoolean() ? Status.OK() : Status.KO()))
        .build();
    // README: end
    Await.result(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health/ready"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    Await.result(host.stop());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("berth_service_state{");
  }

  final AtomicInteger batch = new AtomicInteger();

  /** Reads its own key through the validated reader. */
  final class Digest implements HostedService {
    @Override
    public Future<Void> start(ServiceContext context) {
      batch.set(context.settings().integer("batch", 10, 1, 1000));
      return Future.succeededFuture();
    }
  }

  @Test
  void theQueues(Vertx vertx) {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(Mailer.class, r -> new Mailer(sent))
        .scoped(AuditLog.class, r -> new AuditLog(audited))
        .build();
    JsonObject payload = new JsonObject().put("to", "dev@example.com");
    JsonObject event = new JsonObject().put("event", "signed-in");
    // README: queues
    Host host = Host.builder().vertx(vertx).registry(registry)
        .queue(new QueueOptions("mail").concurrency(2))
        .handler("mail", "send", ctx -> mailer(ctx.scope()).send(ctx.payload(), ctx.token()))   // on a worker thread
        .build();
    host.start();
    // README: end
    await().until(() -> host.lifetime().isReady());
    // README: enqueue
    WorkQueue mail = host.work().queue("mail");
    mail.enqueue("send", new JsonObject().put("to", "ops@example.com"))      // Future<String>: the item id
        .onSuccess(id -> log.info("queued {}: {}", id, mail.status(id)));    // queued → running → succeeded | failed | ...
    // From any verticle (later: any node), through the event bus address berth.queue.mail:
    WorkQueues.request(vertx.eventBus(), "mail", "send", payload, 10_000);
    // Fire-and-forget with a scope of its own: never capture request-scoped objects, they may be closed by then.
    host.work().fire("audit", ctx -> ctx.scope().get(AuditLog.class).write(event));
    // README: end
    await().until(() -> sent.size() == 2 && audited.size() == 1);
    assertThat(sent).containsExactlyInAnyOrder("ops@example.com", "dev@example.com");
    Await.result(host.stop());
  }

  void poll() {
    polls.incrementAndGet();
  }

  void report(Scope scope) {
    log.info("nightly report in {}", scope.name());
  }

  static Mailer mailer(Scope scope) {
    return scope.get(Mailer.class);
  }

  static final class Migrations implements HostedService {
    @Override
    public Future<Void> start(ServiceContext context) {
      log.info("migrating (blocking is fine here: this runs on a worker thread)");
      return Future.succeededFuture();
    }
  }

  record Mailer(List<String> sent) {
    void send(JsonObject message, CancellationToken token) {
      token.throwIfCancellationRequested();
      sent.add(message.getString("to"));
    }
  }

  record AuditLog(List<JsonObject> entries) {
    void write(JsonObject entry) {
      entries.add(entry);
    }
  }
}
