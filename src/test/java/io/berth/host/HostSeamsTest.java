package io.berth.host;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.HostEvent;
import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceEvent;
import io.berth.core.ServiceKind;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.work.ItemEvent;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What library users get from the host's seams: their own routes, config keys, features, modules and events. */
@ExtendWith(VertxExtension.class)
class HostSeamsTest {

  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void theApplicationsRoutesShareBerthsServerWithoutShadowingIt(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .http(new HttpOptions().port(0))
        .routes(router -> {
          router.get("/hello").handler(rc -> rc.end("hello"));
          router.get("/health/ready").handler(rc -> rc.end("shadowed"));
        })
        .build();
    Await.result(host.start());
    try {
      int port = host.lifetime().httpAddress().orElseThrow().port();

      HttpResponse<String> hello = get(port, "/hello");
      HttpResponse<String> ready = get(port, "/health/ready");
      HttpResponse<String> missing = get(port, "/nowhere");

      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.body()).isEqualTo("hello");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).doesNotContain("shadowed");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(new JsonObject(missing.body()).getString("error")).isNotBlank();
    } finally {
      Await.result(host.stop());
    }
  }

  @Test
  void routesNeedTheHttpServer() {
    assertThatThrownBy(() -> Host.builder().routes(router -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("http(");
  }

  @Test
  void aServiceReadsItsOwnKeysAndTheAppSectionThroughTheValidatedReader(Vertx vertx) {
    ConfigReader config = ConfigReader.of(new JsonObject()
        .put("app", new JsonObject().put("greeting", "hi").put("anything", new JsonObject().put("goes", true)))
        .put("services", new JsonObject().put("mailer", new JsonObject()
            .put("startTimeout", "5s").put("batch", 25).put("server", "smtp.example"))),
        java.util.Map.of("BERTH_SERVICES_MAILER_SERVER", "smtp.override"), java.util.Map.of());
    AtomicReference<String> seen = new AtomicReference<>();
    Host host = Host.builder().vertx(vertx).config(config)
        .service(new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) {
            seen.set(context.settings().integer("batch", 10, 1, 1000) + " " + context.settings().string("server", null)
                + " " + context.config().getInteger("batch"));
            return Future.succeededFuture();
          }
        }, o -> o.name("mailer").configKeys("batch", "server"))
        .build();
    config.rejectUnknownKeys();   // app.* and the declared keys are not unknown

    Await.result(host.start());
    Await.result(host.stop());

    assertThat(seen.get()).isEqualTo("25 smtp.override 25");
    assertThat(config.section("app").string("greeting", null)).isEqualTo("hi");
  }

  @Test
  void anUndeclaredKeyOfAServiceIsStillATypo(Vertx vertx) {
    ConfigReader config = ConfigReader.of(new JsonObject().put("services", new JsonObject().put("mailer",
        new JsonObject().put("batch", 25).put("startTimout", "5s"))));
    Host.builder().vertx(vertx).config(config)
        .service(ctx -> Future.succeededFuture(), o -> o.name("mailer").configKeys("batch"))
        .build();

    assertThatThrownBy(config::rejectUnknownKeys).isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.mailer.startTimout");
  }

  @Test
  void aServiceFindsTheWorkQueuesAndTheStopDeadlineInItsContext(Vertx vertx) {
    AtomicReference<String> seen = new AtomicReference<>();
    Host host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("mail"))
        .handler("send", ctx -> { })
        .service(new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) {
            WorkQueues work = context.feature(WorkQueues.class).orElseThrow();
            seen.set(work.names() + " " + context.remainingStopTime().toSeconds());
            return Future.succeededFuture();
          }
        }, o -> o.name("producer"))
        .build();

    Await.result(host.start());
    Await.result(host.stop());

    assertThat(seen.get()).isEqualTo("[mail] 30");
  }

  /** A module of the user's own: a service at its place, a feature, and a listener of every host event. */
  @Test
  void aModulePlugsInAServiceAFeatureAndAListener(Vertx vertx) {
    List<String> events = new CopyOnWriteArrayList<>();
    record Greeter(String greeting) {
    }
    HostModule module = (ModuleContext ctx) -> {
      ctx.provide(Greeter.class, new Greeter("hello"));
      ctx.service("module-service", ServiceKind.HOSTED, ModuleContext.Placement.IN_ORDER,
          c -> Future.succeededFuture());
      ctx.listen((HostEvent e) -> {
        if (e instanceof ServiceEvent s && s.state().label().equals("running")) {
          events.add(s.service());
        } else if (e instanceof ItemEvent i) {
          events.add("item " + i.toJson().getString("status"));
        }
      });
    };
    Host host = Host.builder().vertx(vertx)
        .service("before", ctx -> Future.succeededFuture())
        .module(module)
        .service("after", ctx -> Future.succeededFuture())
        .queue(new QueueOptions("q"))
        .handler("t", ctx -> { })
        .build();

    Await.result(host.start());
    Await.result(host.work().queue("q").enqueue("t", new JsonObject()));
    await().until(() -> events.contains("item succeeded"));
    Await.result(host.stop());

    assertThat(host.core().feature(Greeter.class)).contains(new Greeter("hello"));
    assertThat(events.subList(0, 5)).containsExactly("fire", "queue:q", "before", "module-service", "after");
    assertThat(events).contains("item queued", "item running", "item succeeded");
  }

  @Test
  void everyTimedRunEndsAsAnEventWithItsOutcome(Vertx vertx) {
    List<JsonObject> runs = new CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .timed("nightly", io.berth.service.Schedule.cron("0 0 3 1 1 *", java.time.ZoneOffset.UTC), run -> {
          if (calls.incrementAndGet() == 2) {
            throw new IllegalStateException("second run failed");
          }
        })
        .module(ctx -> ctx.listen(new io.berth.core.HostListener() {
          @Override
          public void onEvent(HostEvent event) {
            runs.add(event.toJson());
          }

          @Override
          public boolean wants(String topic) {
            return topic.equals(io.berth.core.TimedRunEvent.TOPIC);
          }
        }))
        .build();
    Await.result(host.start());

    Await.result(host.trigger("nightly"));
    await().until(() -> runs.size() == 1);
    Await.result(host.trigger("nightly"));
    await().until(() -> runs.size() == 2);
    Await.result(host.stop());

    assertThat(runs).extracting(r -> r.getString("service") + " #" + r.getLong("run") + " " + r.getString("outcome"))
        .containsExactly("nightly #1 succeeded", "nightly #2 failed");
    assertThat(runs.get(1).getString("error")).contains("second run failed");
  }

  /** A library application's main: SIGTERM stops its services gracefully and the process exits 0, not 143. */
  @Test
  void runUntilSignalledStopsGracefullyOnSigterm(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), SignalledApp.class.getName())
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("app: started"));
      p.destroy();   // SIGTERM

      assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      assertThat(Files.readString(out)).contains("app: stopped gracefully").contains("Host stopped");
    } finally {
      p.destroyForcibly();
    }
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The main of {@link #runUntilSignalledStopsGracefullyOnSigterm}. */
  public static final class SignalledApp {
    public static void main(String[] args) throws Exception {
      Host host = Host.builder()
          .service("app", new HostedService() {
            @Override
            public Future<Void> start(ServiceContext context) {
              System.out.println("app: started");
              return Future.succeededFuture();
            }

            @Override
            public Future<Void> stop(ServiceContext context) {
              System.out.println("app: stopped gracefully");
              return Future.succeededFuture();
            }
          })
          .build();
      System.exit(host.runUntilSignalled());
    }
  }
}
