package io.berth.core;

import io.berth.host.Host;
import io.berth.service.CancellationToken;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.berth.testing.Work;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class StopTest {

  @Test
  void backgroundServiceThatHonoursItsTokenStopsAtOnce(Vertx vertx) {
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx).background("loop", rec.background("loop")).build();
    Await.result(host.start());
    org.awaitility.Awaitility.await().until(() -> rec.events().contains("execute:loop"));

    long t0 = System.nanoTime();
    Await.result(host.stop());

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(500);
    assertThat(rec.events()).containsExactly("execute:loop", "exit:loop");
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void serviceThatIgnoresItsTokenIsCutOffAtTheDeadlineAndNamed(Vertx vertx) {
    AtomicBoolean interrupted = new AtomicBoolean();
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().shutdownTimeout(Duration.ofMillis(700)))
        .service("first", rec.hosted("first"))
        .background("stubborn", (CancellationToken token) -> {
          while (true) {
            Work.block(Duration.ofMillis(50));     // never looks at its token
            if (Thread.interrupted()) {
              interrupted.set(true);
              Work.block(Duration.ofSeconds(30));   // and even ignores the interrupt
            }
          }
        })
        .build();
    Await.result(host.start());

    try (LogCapture log = LogCapture.start()) {
      long t0 = System.nanoTime();
      Await.result(host.stop());
      long ms = (System.nanoTime() - t0) / 1_000_000;

      assertThat(ms).isBetween(600L, 1700L);
      org.awaitility.Awaitility.await().untilTrue(interrupted);
      assertThat(rec.events()).containsExactly("start:first", "stop:first");   // still asked to stop
      assertThat(log.text()).contains("Service 'stubborn' did not stop within its share of the shutdown timeout")
          .contains("cut short: stubborn");
      assertThat(host.exitCode()).isEqualTo(1);
    }
  }

  @Test
  void secondStopRequestJoinsTheFirst(Vertx vertx) {
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx).service("a", rec.hosted("a")).build();
    Await.result(host.start());

    host.lifetime().stopApplication();
    host.lifetime().stopApplication();
    Await.result(host.stop());

    assertThat(rec.events()).containsExactly("start:a", "stop:a");
  }
}
