package io.berth.core;

import io.berth.host.Host;
import io.berth.service.HostState;
import io.berth.service.CancellationToken;
import io.berth.service.ExceptionPolicy;
import io.berth.testing.Await;
import io.berth.testing.Services;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class ExceptionPolicyTest {

  @Test
  void stopHostIsTheDefault(Vertx vertx) {
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .service("a", rec.hosted("a"))
        .background("crasher", token -> {
          throw new IllegalStateException("boom");
        })
        .build();

    try (LogCapture log = LogCapture.start()) {
      Throwable failure = Await.failure(host.run());

      assertThat(failure).hasMessageContaining("'crasher' failed");
      assertThat(host.exitCode()).isEqualTo(1);
      assertThat(rec.events()).containsExactly("start:a", "stop:a");
      assertThat(log.text()).contains("Service 'crasher' failed; policy StopHost stops the host: IllegalStateException: boom");
    }
  }

  @Test
  void ignoreMarksTheServiceFailedAndKeepsTheHostRunning(Vertx vertx) {
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().exceptionPolicy(ExceptionPolicy.IGNORE))
        .background("crasher", token -> {
          throw new IllegalStateException("boom");
        })
        .build();

    Await.result(host.start());
    await().until(() -> Services.only(host, ServiceKind.BACKGROUND).state() == ServiceState.FAILED);

    assertThat(host.lifetime().state()).isEqualTo(HostState.STARTED);
    assertThat(Services.only(host, ServiceKind.BACKGROUND).error()).contains("boom");
    Await.result(host.stop());
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void restartRunsExecuteAgainWithGrowingBackoff(Vertx vertx) {
    List<Long> runs = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .background((CancellationToken token) -> {
          runs.add(System.nanoTime());
          if (calls.incrementAndGet() <= 3) {
            throw new IllegalStateException("crash " + calls.get());
          }
          token.sleep(Duration.ofMinutes(1));
        }, o -> o.name("flaky").exceptionPolicy(ExceptionPolicy.RESTART)
            .restartPolicy(new RestartPolicy(Duration.ofMillis(100), Duration.ofSeconds(5), 5, Duration.ofMinutes(1))))
        .build();

    Await.result(host.start());
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.size() == 4);

    assertThat(Services.only(host, ServiceKind.BACKGROUND).state()).isEqualTo(ServiceState.RUNNING);
    long gap1 = (runs.get(1) - runs.get(0)) / 1_000_000;
    long gap2 = (runs.get(2) - runs.get(1)) / 1_000_000;
    long gap3 = (runs.get(3) - runs.get(2)) / 1_000_000;
    assertThat(gap1).isGreaterThanOrEqualTo(100);
    assertThat(gap2).isGreaterThanOrEqualTo(200);
    assertThat(gap3).isGreaterThanOrEqualTo(400);
    Await.result(host.stop());
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void tooManyCrashesFallBackToStopHost(Vertx vertx) {
    AtomicInteger calls = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .background((CancellationToken token) -> {
          calls.incrementAndGet();
          throw new IllegalStateException("always");
        }, o -> o.name("doomed").exceptionPolicy(ExceptionPolicy.RESTART)
            .restartPolicy(new RestartPolicy(Duration.ofMillis(10), Duration.ofMillis(40), 3, Duration.ofMinutes(10))))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.failure(host.run());

      assertThat(calls.get()).isEqualTo(4);   // the first run and three restarts
      assertThat(host.exitCode()).isEqualTo(1);
      assertThat(log.text()).contains("Service 'doomed' crashed more than 3 times within PT10M; stopping the host");
    }
  }
}
