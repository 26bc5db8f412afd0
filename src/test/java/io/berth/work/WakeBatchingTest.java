package io.berth.work;

import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * After quick runs, an item admitted on an event loop while a worker is awake is left to that worker rather than
 * waking another (a thread hand-off costs more than a quick item); if that worker's next item turns out slow, the
 * item left to it still starts on an idle worker within milliseconds, not when the slow item ends.
 */
@ExtendWith(VertxExtension.class)
class WakeBatchingTest {

  private Host host;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (host != null) {
      await(host.stop());
    }
  }

  @Test
  void anItemLeftToAWorkerThatTurnsOutBusyStartsOnAnIdleOneWithinMilliseconds(Vertx vertx) throws Exception {
    CountDownLatch markerStarted = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean slowRunning = new java.util.concurrent.atomic.AtomicBoolean();
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(2), b -> b
        .queue(new QueueOptions("q").concurrency(2))
        .handler("quick", ctx -> { })
        .handler("slow", ctx -> {
          slowRunning.set(true);
          release.await(20, TimeUnit.SECONDS);
          slowRunning.set(false);
        })
        .handler("marker", ctx -> markerStarted.countDown()));
    WorkQueue q = host.work().queue("q");
    for (int round = 0; round < 20; round++) {   // quick runs: the queue now leaves items to awake workers
      enqueueInOneTurn(vertx, q, "quick", 50);
    }
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().succeeded() == 1000);

    // In one event-loop turn: the slow item wakes a worker, and the marker finds that worker awake (it has not
    // claimed yet) and is left to it; that worker then takes the slow item, FIFO, and blocks in it.
    long began = System.nanoTime();
    vertx.runOnContext(v -> {
      q.enqueue("slow", new JsonObject());
      q.enqueue("marker", new JsonObject());
    });
    assertThat(markerStarted.await(5, TimeUnit.SECONDS)).as("the marker started while the slow item runs").isTrue();
    long tookMs = (System.nanoTime() - began) / 1_000_000;
    assertThat(tookMs).as("ms until the marker started").isLessThan(2000);
    // The slow item did start (it is not the marker's turn that came first): it holds its worker until released.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(slowRunning);
  }

  @Test
  void slowItemsAdmittedTogetherAfterQuickRunsAllStartOnIdleWorkersWithinMilliseconds(Vertx vertx) throws Exception {
    CountDownLatch started = new CountDownLatch(3);
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(2), b -> b
        .queue(new QueueOptions("q").concurrency(3))
        .handler("quick", ctx -> { })
        .handler("slow", ctx -> {
          started.countDown();
          release.await(20, TimeUnit.SECONDS);
        }));
    WorkQueue q = host.work().queue("q");
    enqueueInOneTurn(vertx, q, "quick", 500);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().succeeded() == 500);

    // One turn admits three slow items: one wake after the turn, and the watch wakes the other two workers.
    long began = System.nanoTime();
    vertx.runOnContext(v -> {
      for (int i = 0; i < 3; i++) {
        q.enqueue("slow", new JsonObject());
      }
    });
    assertThat(started.await(5, TimeUnit.SECONDS)).as("all three started, each on its own worker").isTrue();
    assertThat((System.nanoTime() - began) / 1_000_000).as("ms until the third started").isLessThan(2000);
  }

  /** Enqueues {@code n} items of {@code type} in one turn of an event loop, and waits until all are accepted. */
  private static void enqueueInOneTurn(Vertx vertx, WorkQueue q, String type, int n) {
    Promise<List<Future<String>>> sent = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<String>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(q.enqueue(type, new JsonObject()));
      }
      sent.complete(all);
    });
    await(Future.all(await(sent.future())));
  }
}
