package io.berth.examples;

import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.scope.ServiceRegistry;
import io.berth.service.Schedule;
import io.berth.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The seed articles' examples, ported to Berth and run. */
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
  void consumeScopedServiceResolvesItsDependencyInItsOwnScopeAndClosesIt(Vertx vertx) {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(ScopedProcessingService.class, r -> new ScopedProcessingService())
        .build();
    ConsumeScopedServiceHostedService consumer = new ConsumeScopedServiceHostedService(registry);
    Host host = Host.builder().vertx(vertx).registry(registry).background(consumer).build();
    int closedBefore = ScopedProcessingService.closed.get();

    Await.result(host.start());
    await().until(() -> consumer.progress.get() >= 3);
    Await.result(host.stop());

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
}
