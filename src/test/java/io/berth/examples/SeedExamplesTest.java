package io.berth.examples;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.core.HostStartException;
import io.berth.core.ServiceState;
import io.berth.host.Host;
import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.TimedService;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.berth.testing.Services;
import io.berth.token.TokenOptions;
import io.berth.token.Tokens;
import io.berth.work.FullMode;
import io.berth.work.QueueOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The seed articles' examples, ported to Berth and run: each test shows what its article shows, the Berth way. */
@ExtendWith(VertxExtension.class)
class SeedExamplesTest {

  @Test
  void timedHostedServiceCountsItsRunsOnTheScheduleFromConfig(Vertx vertx) {
    TimedHostedService timed = new TimedHostedService();
    ConfigReader config = ConfigReader.of(new JsonObject()
        .put("services", new JsonObject().put("timed", new JsonObject().put("schedule", "every 50ms"))));
    Host host = Host.builder().vertx(vertx).config(config)
        .timed("timed", Schedule.every(Duration.ofSeconds(5)), timed)
        .build();

    Await.result(host.start());
    await().until(() -> timed.count() >= 3);
    Await.result(host.stop());
  }

  @Test
  void consumeScopedServiceLogsAsTheDocAndResolvesItsDependencyInItsOwnScope(Vertx vertx) {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(ScopedProcessingService.class, r -> new ScopedProcessingService())
        .build();
    ConsumeScopedServiceHostedService consumer = new ConsumeScopedServiceHostedService(registry, Duration.ofMillis(10));
    Host host = Host.builder().vertx(vertx).registry(registry).background(consumer).build();
    int closedBefore = ScopedProcessingService.closed.get();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> consumer.progress.get() >= 3);
      Await.result(host.stop());

      assertThat(messages(log, "ConsumeScopedServiceHostedService", "ScopedProcessingService")).startsWith(
          "Consume Scoped Service Hosted Service running.",
          "Consume Scoped Service Hosted Service is working.",
          "Scoped Processing Service is working. Count: 1",
          "Scoped Processing Service is working. Count: 2")
          .endsWith("Consume Scoped Service Hosted Service is stopping.");
    }
    assertThat(ScopedProcessingService.closed.get()).isEqualTo(closedBefore + 1);
  }

  @Test
  void periodicTimerLoopTicksUntilCancelled(Vertx vertx) {
    PeriodicTimerLoop loop = new PeriodicTimerLoop(Duration.ofMillis(20));
    Host host = Host.builder().vertx(vertx).background(loop).build();

    Await.result(host.start());
    await().until(() -> loop.ticks.get() >= 5);
    long t0 = System.nanoTime();
    Await.result(host.stop());

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(500);
  }

  @Test
  void tokenRefreshServiceRunsNeverOverlapWhenARefreshIsSlowerThanThePeriod(Vertx vertx) {
    TokenRefreshService refresh = new TokenRefreshService();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    TimedService slowRefresh = run -> {   // each refresh takes 60 ms, three periods
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        run.token().sleep(Duration.ofMillis(60));
        refresh.run(run);
      } finally {
        running.decrementAndGet();
        runs.incrementAndGet();
      }
    };
    Host host = Host.builder().vertx(vertx)
        .timed("token-refresh", slowRefresh, o -> o.schedule(Schedule.every(Duration.ofMillis(20))).runOnStart(true))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> runs.get() >= 4);
      Await.result(host.stop());

      assertThat(most.get()).as("refreshes running at once").isEqualTo(1);
      assertThat(messages(log, "TokenRefreshService")).hasSizeGreaterThanOrEqualTo(4)
          .allMatch(m -> m.endsWith(": Refresh Token!"));
    }
  }

  @Test
  void tokenRefreshServiceStopsRefreshingWhenALaterServiceFailsToStart(Vertx vertx) {
    TokenRefreshService refresh = new TokenRefreshService();
    AtomicInteger runs = new AtomicInteger();
    HostedService failing = context -> {
      await().until(() -> runs.get() >= 2);
      throw new IllegalStateException("the database is down");
    };
    Host host = Host.builder().vertx(vertx)
        .timed("token-refresh", run -> {
          refresh.run(run);
          runs.incrementAndGet();
        }, o -> o.schedule(Schedule.every(Duration.ofMillis(20))).runOnStart(true))
        .service("database", failing)
        .build();

    Throwable e = Await.failure(host.start());

    assertThat(e).isInstanceOf(HostStartException.class).hasMessageContaining("the database is down");
    assertThat(Services.named(host, "token-refresh").state()).isEqualTo(ServiceState.STOPPED);
    int after = runs.get();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> runs.get() == after);
  }

  @Test
  void tokenRefreshServiceGoesOnAfterARefreshThatThrows(Vertx vertx) {
    TokenRefreshService refresh = new TokenRefreshService();
    AtomicInteger runs = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .timed("token-refresh", run -> {
          if (runs.incrementAndGet() == 1) {
            throw new IllegalStateException("the token endpoint is down");
          }
          refresh.run(run);
        }, o -> o.schedule(Schedule.every(Duration.ofMillis(20))).runOnStart(true))
        .build();

    Await.result(host.start());
    await().until(() -> runs.get() >= 3);
    Await.result(host.stop());

    assertThat(Services.named(host, "token-refresh").state()).isEqualTo(ServiceState.STOPPED);
  }

  @Test
  void tokenRefreshServiceV2LogsItsStartCancellationAndStopInOrder(Vertx vertx) {
    Host host = Host.builder().vertx(vertx)
        .background("token-refresh", new TokenRefreshServiceV2(Duration.ofMillis(20)))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> messages(log, "TokenRefreshServiceV2").size() >= 3);
      Await.result(host.stop());

      List<String> lines = messages(log, "TokenRefreshServiceV2");
      assertThat(lines.get(0)).isEqualTo("Service starting");
      assertThat(lines.subList(1, lines.size() - 2)).isNotEmpty().allMatch(m -> m.endsWith(": Refresh Token!"));
      // The cancellation callback runs on the stopping thread, the loop's last line on its own: either may come first.
      assertThat(lines.subList(lines.size() - 2, lines.size()))
          .containsExactlyInAnyOrder("Service cancelled", "Service stopping");
    }
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void theCentralRefresherFetchesOnceForEveryCallerAndRefreshesOnceWhenTheTokenIsRejected(Vertx vertx) {
    AtomicInteger fetches = new AtomicInteger();
    HttpServer endpoint = Await.result(vertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("content-type", "application/json")
            .end(new JsonObject().put("access_token", "token-" + fetches.incrementAndGet())
                .put("expires_in", 7200).encode()))
        .listen(0, "127.0.0.1"));
    Tokens tokens = Tokens.of(
        TokenOptions.builder("wechat", "http://127.0.0.1:" + endpoint.actualPort() + "/cgi-bin/token").build());
    Host host = Host.builder().vertx(vertx).module(tokens).build();
    Await.result(host.start());
    try {
      List<Future<String>> callers = IntStream.range(0, 20).mapToObj(i -> tokens.current("wechat")).toList();
      assertThat(Await.result(Future.all(callers)).<String>list()).containsOnly("token-1");
      assertThat(fetches.get()).as("fetches for 20 callers").isEqualTo(1);

      List<Future<String>> rejected = IntStream.range(0, 10)
          .mapToObj(i -> tokens.invalidate("wechat", "token-1")).toList();
      assertThat(Await.result(Future.all(rejected)).<String>list()).containsOnly("token-2");
      assertThat(fetches.get()).as("fetches after 10 callers found the token rejected").isEqualTo(2);
    } finally {
      Await.result(host.stop());
      Await.result(endpoint.close());
    }
  }

  @Test
  void hostServiceTestAsNaiveStartIsRefusedWithAStartTimeoutMessage(Vertx vertx) {
    Recorder recorder = new Recorder();
    Host host = Host.builder().vertx(vertx).options(new HostOptions().startTimeout(Duration.ofMillis(300)))
        .service("HostServiceTest_A", new HostServiceTest_A.Blocking())
        .service("next", recorder.hosted("next"))
        .build();

    Throwable e = Await.failure(host.start());

    assertThat(e).isInstanceOf(HostStartException.class)
        .hasMessageContaining("Service 'HostServiceTest_A' did not start within 300ms (startTimeout)")
        .hasMessageContaining("long-running work belongs in a BackgroundService");
    assertThat(recorder.events()).as("the services after it").isEmpty();
    assertThat(host.lifetime().stopping().succeeded()).isTrue();
    assertThat(host.exitCode()).isEqualTo(1);
  }

  @Test
  void hostServiceTestAsLoopDoesNotHoldTheStartAndExitsCleanlyOnStop(Vertx vertx) {
    Recorder recorder = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .background("HostServiceTest_A", HostServiceTest_A.LOOP)
        .service("next", recorder.hosted("next"))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Future<Void> run = host.run();
      await().until(() -> host.lifetime().isReady() && log.text().contains("HostServiceTest_A is working"));
      assertThat(recorder.events()).containsExactly("start:next");

      host.lifetime().stopApplication();   // what Ctrl+C and SIGTERM do
      Await.result(run);

      assertThat(recorder.events()).containsExactly("start:next", "stop:next");
      assertThat(messages(log, "HostServiceTest_A")).last().isEqualTo("HostServiceTest_A stopped cleanly");
    }
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void backgroundServiceTestAsFirstLongTermTaskDelaysNeitherTheNextServiceNorTheHttpServer(
      Vertx vertx, @TempDir Path dir) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    BackgroundServiceTest_A longTerm = new BackgroundServiceTest_A(() -> {   // holds its thread until released
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Recorder recorder = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .background("BackgroundServiceTest_A", longTerm)
        .service("after", recorder.hosted("after"))
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      assertThat(entered.await(10, TimeUnit.SECONDS)).as("the first LongTermTask began").isTrue();
      int port = host.lifetime().httpAddress().orElseThrow().port();
      HttpResponse<String> ready = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(recorder.events()).containsExactly("start:after");
      assertThat(messages(log, "BackgroundServiceTest_A")).as("still in the first iteration")
          .containsExactly("LongTermTask start");

      release.countDown();
      await().until(() -> messages(log, "BackgroundServiceTest_A").contains("LongTermTask end"));
    } finally {
      release.countDown();
      Await.result(host.stop());
    }
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void backgroundServiceTestAsPeriodicTimerVersionTicksUntilStopped(Vertx vertx) {
    BackgroundServiceTest_A longTerm = new BackgroundServiceTest_A(() -> { });
    Host host = Host.builder().vertx(vertx)
        .background("BackgroundServiceTest_A", longTerm.periodic(Duration.ofMillis(20)))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> messages(log, "BackgroundServiceTest_A").stream()
          .filter("LongTermTask end"::equals).count() >= 3);
      long t0 = System.nanoTime();
      Await.result(host.stop());

      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(500);
      assertThat(messages(log, "BackgroundServiceTest_A")).last().isEqualTo("LongTermTask end");
    }
  }

  @Test
  void queuedHostedServiceRunsEachWorkItemThroughItsThreeDelays(Vertx vertx) {
    QueueOptions queue = QueuedHostedService.queue("background");
    BufferedReader keys = new BufferedReader(new StringReader("w\nx\nW\n"));
    Host host = Host.builder().vertx(vertx)
        .queue(queue)
        .background("monitor", new QueuedHostedService.MonitorLoop(keys, "background", Duration.ofMillis(20)))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> count(log, "is complete.") == 2);
      Await.result(host.stop());

      List<String> lines = messages(log, "QueuedHostedService");
      List<String> ids = lines.stream().filter(m -> m.endsWith(" is starting."))
          .map(m -> m.split(" ")[3]).toList();
      assertThat(ids).hasSize(2);
      for (String id : ids) {
        assertThat(lines.stream().filter(m -> m.contains(" " + id + " "))).containsExactly(
            "Queued work item " + id + " is starting.",
            "Queued work item " + id + " is running. 1/3",
            "Queued work item " + id + " is running. 2/3",
            "Queued work item " + id + " is running. 3/3",
            "Queued work item " + id + " is complete.");
      }
    }
    assertThat(queue.capacity()).isEqualTo(100);
    assertThat(queue.fullMode()).isEqualTo(FullMode.WAIT);
  }

  @Test
  void queuedHostedServicesWorkItemIsCancelledWhenTheHostStops(Vertx vertx) {
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofMillis(500)))
        .queue(QueuedHostedService.queue("background"))
        .background("monitor", new QueuedHostedService.MonitorLoop(
            new BufferedReader(new StringReader("w\n")), "background", Duration.ofSeconds(5)))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> count(log, "is starting.") == 1);
      Await.result(host.stop());

      assertThat(count(log, "was cancelled.")).isEqualTo(1);
      assertThat(count(log, "is running.") + count(log, "is complete.")).isZero();
    }
  }

  @Test
  void cannonServiceFiresWithAScopeOfItsOwnWhileAsyncBoomFailsOnTheClosedRequestScope(Vertx vertx) {
    List<String> rows = new CopyOnWriteArrayList<>();
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(CannonService.Db.class, r -> new CannonService.Db(rows))
        .build();
    Host host = Host.builder().vertx(vertx).registry(registry).build();
    Await.result(host.start());
    CannonService cannon = new CannonService(host.work());
    try {
      Future<Void> boom;
      try (Scope request = registry.createScope("request")) {
        boom = cannon.asyncBoom(request);
      }   // the request ends: its scope closes its Db
      assertThat(Await.failure(boom)).isInstanceOf(IllegalStateException.class)
          .hasMessage("Db is closed: the scope it was resolved in has ended");

      AtomicReference<CannonService.Db> used = new AtomicReference<>();
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      Future<Void> fired;
      CannonService.Db requests;
      try (Scope request = registry.createScope("request")) {
        requests = request.get(CannonService.Db.class);
        fired = cannon.fire(CannonService.Db.class, db -> {
          requests.closed.join();   // runs after the request ended, as fire-and-forget work may
          db.save("welcome mail");
          used.set(db);
        }, errors::add);
      }
      Await.result(fired);

      assertThat(rows).containsExactly("welcome mail");
      assertThat(errors).isEmpty();
      assertThat(used.get()).isNotSameAs(requests);
      assertThat(used.get().closed).as("the work's own scope closed when it ended").isDone();
    } finally {
      Await.result(host.stop());
    }
  }

  @Test
  void myHostedServiceSeesTheLifetimeEventsInOrderAndWaitForAppStartupWorksOnlyOnceStarted(Vertx vertx) {
    CountDownLatch release = new CountDownLatch(1);
    HostedService slowStart = context -> {
      release.await();
      return Future.succeededFuture();
    };
    Host host = Host.builder().vertx(vertx)
        .background("waiter", new MyHostedService.WaitForAppStartup())
        .service("lifetime", new MyHostedService())
        .service("slow", slowStart)
        .build();

    try (LogCapture log = LogCapture.start()) {
      Future<Void> run = host.run();
      await().until(() -> Services.named(host, "slow").state() == ServiceState.STARTING);
      await().during(Duration.ofMillis(100)).until(() -> !log.text().contains("The host has started"));
      release.countDown();
      await().until(() -> log.text().contains("The host has started: working."));
      host.lifetime().stopApplication();
      Await.result(run);

      assertThat(messages(log, "MyHostedService")).containsSubsequence(
          "StartAsync has been called.",
          "OnStarted has been called.",
          "OnStopping has been called.",
          "StopAsync has been called.",
          "OnStopped has been called.");
    } finally {
      release.countDown();
    }
  }

  @Test
  void waitForAppStartupGivesUpWhenTheHostStopsBeforeItStarted(Vertx vertx) {
    HostedService failing = context -> {
      throw new IllegalStateException("no configuration");
    };
    Host host = Host.builder().vertx(vertx)
        .background("waiter", new MyHostedService.WaitForAppStartup())
        .service("lifetime", new MyHostedService())
        .service("failing", failing)
        .build();

    try (LogCapture log = LogCapture.start()) {
      assertThat(Await.failure(host.run())).hasMessageContaining("no configuration");
      await().until(() -> log.text().contains("The host stopped before it started: no work done."));

      assertThat(log.text()).doesNotContain("The host has started", "OnStarted has been called.");
      assertThat(messages(log, "MyHostedService")).contains("OnStopping has been called.");
    }
  }

  /** The messages logged by the classes named, in order (nested classes included). */
  private static List<String> messages(LogCapture log, String... classes) {
    return log.lines().stream()
        .filter(line -> {
          String logger = line.split(" ", 3)[1];
          for (String c : classes) {
            if (logger.equals("io.berth.examples." + c)) {
              return true;
            }
          }
          return false;
        })
        .map(line -> line.split(" ", 3)[2])
        .toList();
  }

  private static long count(LogCapture log, String ending) {
    return messages(log, "QueuedHostedService").stream().filter(m -> m.endsWith(ending)).count();
  }
}
