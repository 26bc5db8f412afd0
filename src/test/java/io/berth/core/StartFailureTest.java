package io.berth.core;

import io.berth.host.Host;
import io.berth.service.HostState;
import io.berth.service.HostedService;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class StartFailureTest {

  @Test
  void failedStartStopsTheStartedServicesInReverseAndNamesTheFailure(Vertx vertx) {
    Recorder rec = new Recorder();
    HostedService broken = ctx -> Future.failedFuture(new IllegalStateException("database unreachable"));
    Host host = Host.builder().vertx(vertx)
        .service("a", rec.hosted("a"))
        .service("b", rec.hosted("b"))
        .service("db", broken)
        .service("never", rec.hosted("never"))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Throwable failure = Await.failure(host.run());

      assertThat(failure).isInstanceOf(HostStartException.class)
          .hasMessageContaining("'db'").hasMessageContaining("database unreachable");
      assertThat(((HostStartException) failure).service()).isEqualTo("db");
      assertThat(rec.events()).containsExactly("start:a", "start:b", "stop:b", "stop:a");
      assertThat(host.exitCode()).isEqualTo(1);
      assertThat(host.lifetime().state()).isEqualTo(HostState.STOPPED);
      assertThat(host.services()).filteredOn(s -> s.name().equals("db"))
          .singleElement().satisfies(s -> assertThat(s.state()).isEqualTo(ServiceState.FAILED));
      assertThat(log.text()).contains("Host failed to start: Service 'db' failed to start: database unreachable");
    }
  }

  @Test
  void startTimeoutStopsTheOthersAndPointsToBackgroundServices(Vertx vertx) {
    Recorder rec = new Recorder();
    HostedService hangs = ctx -> Promise.<Void>promise().future();
    Host host = Host.builder().vertx(vertx)
        .service("a", rec.hosted("a"))
        .service(hangs, o -> o.name("slow").startTimeout(Duration.ofMillis(300)))
        .build();

    long t0 = System.nanoTime();
    Throwable failure = Await.failure(host.run());

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
    assertThat(failure).hasMessageContaining("'slow' did not start within 300ms")
        .hasMessageContaining("BackgroundService");
    assertThat(rec.events()).containsExactly("start:a", "stop:a");
    assertThat(host.exitCode()).isEqualTo(1);
  }

  @Test
  void aStartThatEndsAfterItsTimeoutIsUndeployedOnceAndTheStopWaitsForThatBeforeVertxCloses() {
    // The start of 'late' returns after its timeout, while the failed start's stop is still stopping 'a'; its undeploy
    // (a stop that takes a while) must end before the host closes its own Vert.x, whose close would otherwise undeploy
    // it a second time and log "Already undeployed" with a stack trace.
    java.util.concurrent.CountDownLatch startMayReturn = new java.util.concurrent.CountDownLatch(1);
    Promise<Void> aMayStop = Promise.promise();
    Promise<Void> lateMayStop = Promise.promise();
    java.util.concurrent.atomic.AtomicInteger lateStops = new java.util.concurrent.atomic.AtomicInteger();
    HostedService a = new HostedService() {
      @Override
      public Future<Void> start(io.berth.service.ServiceContext ctx) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> stop(io.berth.service.ServiceContext ctx) {
        return aMayStop.future();
      }
    };
    HostedService late = new HostedService() {
      @Override
      public Future<Void> start(io.berth.service.ServiceContext ctx) {
        while (true) {   // a hosted service's start runs on a worker; this one ignores the interrupt at its timeout
          try {
            startMayReturn.await();
            return Future.succeededFuture();
          } catch (InterruptedException e) {
            // returns only when the test lets it
          }
        }
      }

      @Override
      public Future<Void> stop(io.berth.service.ServiceContext ctx) {
        lateStops.incrementAndGet();
        return lateMayStop.future();
      }
    };
    HostCore host = HostCore.builder()
        .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(20)))
        .service(a, o -> o.name("a"))
        .service(late, o -> o.name("late").startTimeout(Duration.ofMillis(50)))
        .build();
    try (LogCapture log = LogCapture.start()) {
      Future<Void> started = host.start();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> host.services().stream()
          .anyMatch(i -> i.name().equals("late") && i.state() == ServiceState.FAILED));
      Future<Void> stopped = host.stop();   // the one the failed start began: it waits for 'a' to stop
      startMayReturn.countDown();
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lateStops.get() == 1);
      aMayStop.complete();
      assertThat(stopped.isComplete()).as("the host's stop waits for the late start's undeploy").isFalse();
      lateMayStop.complete();
      Await.result(stopped);
      assertThat(Await.failure(started)).hasMessageContaining("'late' did not start within 50ms");
      assertThat(lateStops).hasValue(1);
      assertThat(log.text()).doesNotContain("Already undeployed").doesNotContain("Undeploy failed");
    }
  }

  @Test
  void awaitStartedIsFalseWhenTheHostStopsFirst(Vertx vertx) {
    HostedService broken = ctx -> Future.failedFuture(new IllegalStateException("no"));
    Host host = Host.builder().vertx(vertx).service("broken", broken).build();
    Future<Boolean> started = host.lifetime().awaitStarted(io.berth.service.CancellationToken.NONE);

    Await.failure(host.start());

    assertThat(Await.result(started)).isFalse();
    assertThat(Await.failure(host.lifetime().started())).hasMessageContaining("stopped before it started");
  }
}
