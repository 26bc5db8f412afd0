package io.berth.core;

import io.berth.host.Host;
import io.berth.admin.HttpOptions;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.Recorder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class HostOrderTest {

  @Test
  void startsInRegistrationOrderAndStopsInReverse(Vertx vertx) {
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .service("a", rec.hosted("a"))
        .service("b", rec.hosted("b"))
        .service("c", rec.hosted("c"))
        .build();

    Await.result(host.start());
    assertThat(rec.events()).containsExactly("start:a", "start:b", "start:c");
    Await.result(host.stop());

    assertThat(rec.events()).containsExactly("start:a", "start:b", "start:c", "stop:c", "stop:b", "stop:a");
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void httpServerStartsAfterEveryServiceAndStopsFirst(Vertx vertx) {
    List<String> states = new ArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Host.SERVICES_ADDRESS, m -> {
      synchronized (states) {
        if (!m.body().getString("service").equals("fire")) {   // the host's own fire-and-forget tracker
          states.add(m.body().getString("service") + ":" + m.body().getString("state"));
        }
      }
    });
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .http(new HttpOptions().port(0))     // registered first on purpose
        .service("a", rec.hosted("a"))
        .background("b", rec.background("b"))
        .build();

    Await.result(host.start());
    assertThat(host.services()).extracting(ServiceInfo::name).containsExactly("fire", "a", "b", "http");
    Await.result(host.stop());

    org.awaitility.Awaitility.await().untilAsserted(() -> {
      synchronized (states) {
        assertThat(states).containsExactly(
            "a:starting", "a:running", "b:starting", "b:running", "http:starting", "http:running",
            "http:stopping", "http:stopped", "b:stopping", "b:stopped", "a:stopping", "a:stopped");
      }
    });
  }

  @Test
  void startsConcurrentlyWhenAsked(Vertx vertx) {
    // Each start waits until all three have begun: only a concurrent start can finish.
    CountDownLatch allStarting = new CountDownLatch(3);
    HostedService waiting = new HostedService() {
      @Override
      public Future<Void> start(ServiceContext context) throws Exception {
        allStarting.countDown();
        if (!allStarting.await(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the other services did not start alongside " + context.name());
        }
        return Future.succeededFuture();
      }
    };
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().servicesStartConcurrently(true).servicesStopConcurrently(true))
        .service("a", waiting).service("b", waiting).service("c", waiting)
        .service("d", rec.hosted("d"))
        .build();

    Await.result(host.start());
    assertThat(host.services()).allMatch(s -> s.state() == ServiceState.RUNNING);
    Await.result(host.stop());
    assertThat(rec.events()).containsExactly("start:d", "stop:d");
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void serviceNamesMustBeUnique() {
    Recorder rec = new Recorder();
    Host.Builder builder = Host.builder().service("x", rec.hosted("1")).service("x", rec.hosted("2"));
    org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'");
  }

  @Test
  void startTimeoutDefaultIsThirtySeconds() {
    assertThat(new HostOptions().startTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(new HostOptions().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
  }
}
