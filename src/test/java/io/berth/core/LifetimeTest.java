package io.berth.core;

import io.berth.host.Host;
import io.berth.service.HostState;
import io.berth.service.ApplicationLifetime;
import io.berth.admin.HttpOptions;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.Recorder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class LifetimeTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void transitionsArePublishedInOrder(Vertx vertx) {
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(ApplicationLifetime.ADDRESS, m -> events.add(m.body()));
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx).nodeId("node-1").service("a", rec.hosted("a"))
        .http(new HttpOptions().port(0)).build();

    Await.result(host.start());
    Await.result(host.stop());

    await().until(() -> events.size() == 3);
    assertThat(events).extracting(e -> e.getString("event")).containsExactly("started", "stopping", "stopped");
    assertThat(events).allSatisfy(e -> {
      assertThat(e.getString("node")).isEqualTo("node-1");
      assertThat(e.getString("at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    });
    int port = host.lifetime().httpAddress().orElseThrow().port();
    assertThat(events.get(0).getString("http")).isEqualTo("http://127.0.0.1:" + port);
  }

  @Test
  void awaitStartedCompletesTrueOnceStarted(Vertx vertx) {
    Host host = Host.builder().vertx(vertx).service("a", new Recorder().hosted("a")).build();
    Future<Boolean> started = host.lifetime().awaitStarted(CancellationToken.NONE);
    assertThat(started.isComplete()).isFalse();

    Await.result(host.start());

    assertThat(Await.result(started)).isTrue();
    Await.result(host.stop());
  }

  @Test
  void readinessGoesFrom503To200To503AndTheStartedHookSeesTheRealAddress(Vertx vertx) throws Exception {
    Promise<Void> release = Promise.promise();
    AtomicReference<SocketAddress> seen = new AtomicReference<>();
    HostedService announcer = new HostedService() {
      @Override
      public Future<Void> start(ServiceContext context) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> started(ServiceContext context) {
        seen.set(context.lifetime().httpAddress().orElseThrow());   // e.g. register with discovery
        return release.future();
      }
    };
    Host host = Host.builder().vertx(vertx)
        .service("announcer", announcer)
        .http(new HttpOptions().port(0).drainDelay(Duration.ofMillis(1500)))
        .build();
    Future<Void> start = host.start();

    await().until(() -> host.lifetime().httpAddress().isPresent());
    URI ready = URI.create("http://127.0.0.1:" + host.lifetime().httpAddress().get().port() + "/health/ready");
    assertThat(get(ready).statusCode()).isEqualTo(503);
    assertThat(seen.get().port()).isEqualTo(host.lifetime().httpAddress().get().port());

    release.complete();
    Await.result(start);
    HttpResponse<String> up = get(ready);
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(up.body()).getString("state")).isEqualTo("started");

    Future<Void> stopped = host.stop();
    await().until(() -> host.lifetime().state() == HostState.STOPPING);
    HttpResponse<String> draining = get(ready);
    assertThat(draining.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(draining.body()).getString("state")).isEqualTo("stopping");
    Await.result(stopped);
  }

  @Test
  void liveAnswersWhileTheProcessRuns(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx).http(new HttpOptions().port(0)).build();
    Await.result(host.start());
    URI live = URI.create("http://127.0.0.1:" + host.lifetime().httpAddress().get().port() + "/health/live");

    assertThat(get(live).statusCode()).isEqualTo(200);
    Await.result(host.stop());
  }

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
