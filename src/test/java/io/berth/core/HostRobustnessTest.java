package io.berth.core;

import io.berth.host.Host;
import io.berth.service.HostState;
import io.berth.config.ConfigReader;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.berth.testing.Work;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The edges of start and stop: hooks that hang, closers that hang, services disabled in config. */
@ExtendWith(VertxExtension.class)
class HostRobustnessTest {

  @Test
  void aStartedHookThatNeverCompletesFailsTheStartWithinStartTimeout(Vertx vertx) {
    Recorder rec = new Recorder();
    HostedService hangs = new HostedService() {
      @Override
      public Future<Void> start(ServiceContext context) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> started(ServiceContext context) {
        return Promise.<Void>promise().future();
      }
    };
    Host host = Host.builder().vertx(vertx)
        .service("a", rec.hosted("a"))
        .service(hangs, o -> o.name("announcer").startTimeout(Duration.ofMillis(300)))
        .build();

    long t0 = System.nanoTime();
    Throwable failure = Await.failure(host.run());

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
    assertThat(failure).hasMessageContaining("'announcer' started hook did not complete within 300ms");
    assertThat(rec.events()).containsExactly("start:a", "stop:a");
    assertThat(host.lifetime().state()).isEqualTo(HostState.STOPPED);
    assertThat(host.exitCode()).isEqualTo(1);
  }

  @Test
  void closingAfterStopIsBoundedByTheShutdownTimeout(Vertx vertx) {
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().shutdownTimeout(Duration.ofMillis(400)))
        .service("a", new Recorder().hosted("a"))
        .afterStop(() -> Work.block(Duration.ofSeconds(5)))    // a singleton whose close hangs
        .build();
    Await.result(host.start());

    try (LogCapture log = LogCapture.start()) {
      long t0 = System.nanoTime();
      Await.result(host.stop());

      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
      assertThat(host.exitCode()).isEqualTo(1);
      assertThat(log.text()).contains("Closing singletons after stop did not finish within the shutdown timeout");
    }
  }

  @Test
  void aTimedServiceDisabledInConfigKeepsItsOtherKeys(Vertx vertx) {
    ConfigReader config = ConfigReader.of(new JsonObject().put("services", new JsonObject()
        .put("report", new JsonObject().put("enabled", false).put("schedule", "every 1s").put("timeout", "5s"))));
    Host host = Host.builder().vertx(vertx).config(config)
        .timed("report", Schedule.every(Duration.ofSeconds(1)), run -> { })
        .service("a", new Recorder().hosted("a"))
        .build();
    config.rejectUnknownKeys();

    assertThat(host.services()).extracting(ServiceInfo::name).doesNotContain("report").contains("a");
  }

  @Test
  void timedOptionsRefuseNegativeValuesAndTakeZeroTimeoutAsNone() {
    assertThatThrownBy(() -> new TimedOptions().jitter(Duration.ofMillis(-1))).hasMessageContaining("jitter");
    assertThatThrownBy(() -> new TimedOptions().timeout(Duration.ofMillis(-1))).hasMessageContaining("timeout");
    assertThat(new TimedOptions().timeout(Duration.ZERO).timeout()).isNull();
  }

  @Test
  void aShutdownTimeoutBelowOneHundredMillisecondsIsAConfigError() {
    assertThatThrownBy(() -> HostOptions.from(ConfigReader.of(new JsonObject().put("shutdownTimeout", "0s"))))
        .hasMessageStartingWith("config key 'shutdownTimeout': must be at least 100ms");
  }
}
