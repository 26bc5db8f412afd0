package io.berth.core;

import io.berth.host.Host;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Work;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A slow start never blocks an event loop, and a slow background loop never delays the others. */
class StartPathTest {

  private Vertx vertx;
  private LogCapture log;

  @BeforeEach
  void strictVertx() {
    // Report any event loop held for more than 100 ms, checked every 50 ms.
    vertx = Vertx.vertx(new VertxOptions()
        .setMaxEventLoopExecuteTime(100).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(50).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
    log = LogCapture.start();
  }

  @AfterEach
  void close() {
    log.close();
    Await.result(vertx.close());
  }

  @Test
  void blockingHostedStartRunsOnAWorkerAndTheNextServiceWaitsForIt() {
    AtomicLong firstDone = new AtomicLong();
    AtomicLong secondStarted = new AtomicLong();
    HostedService migration = ctx -> {
      Work.block(Duration.ofSeconds(2));
      firstDone.set(System.nanoTime());
      return Future.succeededFuture();
    };
    HostedService next = ctx -> {
      secondStarted.set(System.nanoTime());
      return Future.succeededFuture();
    };
    Host host = Host.builder().vertx(vertx).service("migration", migration).service("next", next).build();

    Await.result(host.start());
    Await.result(host.stop());

    assertThat(secondStarted.get()).isGreaterThanOrEqualTo(firstDone.get());
    assertThat(log.text()).doesNotContain("blocked").doesNotContain("BlockedThreadChecker");
  }

  @Test
  void backgroundServiceWorkingBeforeItsFirstWaitDoesNotDelayTheOthers() {
    long t0 = System.nanoTime();
    AtomicLong nextStarted = new AtomicLong();
    HostedService next = (ServiceContext ctx) -> {
      nextStarted.set(System.nanoTime());
      return Future.succeededFuture();
    };
    Host host = Host.builder().vertx(vertx)
        .background("busy", token -> {
          Work.block(Duration.ofSeconds(3));    // synchronous work before the first await
          token.sleep(Duration.ofMinutes(1));
        })
        .service("next", next)
        .build();

    Await.result(host.start());
    long startedMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat((nextStarted.get() - t0) / 1_000_000).isLessThan(200);
    assertThat(startedMs).isLessThan(500);
    assertThat(host.lifetime().isReady()).isTrue();
    Await.result(host.stop());
    assertThat(log.text()).doesNotContain("blocked");
  }
}
