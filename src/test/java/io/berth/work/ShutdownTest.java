package io.berth.work;

import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Shutdown: admission stops first, in-flight items get the budget then their tokens, queued items are named. */
@ExtendWith(VertxExtension.class)
class ShutdownTest {

  @Test
  void inFlightItemsAreCancelledAfterTheBudgetQueuedOnesAreNamedAndNewEnqueuesGetStopping(Vertx vertx) {
    Host host = WorkTesting.startHost(vertx, Duration.ofMillis(600), b -> b
        .queue(new QueueOptions("q").concurrency(1).capacity(10))
        .handler(SampleHandlers.SLEEP, SampleHandlers.SLEEP_HANDLER));
    WorkQueue q = host.work().queue("q");
    String running = await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 60_000)));
    await().atMost(Duration.ofSeconds(5)).until(() -> q.status(running).orElseThrow().state() == ItemState.RUNNING);
    String queued1 = await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 1)));
    String queued2 = await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 1)));

    try (WorkTesting.Capture logs = WorkTesting.capture(Dispatcher.class);
         WorkTesting.Capture drain = WorkTesting.capture(io.berth.core.internal.Drain.class)) {
      Future<Void> stopped = host.stop();
      await().atMost(Duration.ofSeconds(5)).until(() -> {
        Future<String> late = q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 1));
        return late.failed() && ((WorkException) late.cause()).code().equals(WorkException.STOPPING);
      });
      Throwable viaBus = failure(WorkQueues.request(vertx.eventBus(), "q", SampleHandlers.SLEEP, null, 5000));
      assertThat(viaBus).isInstanceOf(WorkException.class);
      assertThat(viaBus.getMessage()).isIn("queue 'q' is stopping and admits no new items",
          "no queue named 'q' is running");
      await(stopped);

      ItemStatus cancelled = q.status(running).orElseThrow();
      assertThat(cancelled.state()).isEqualTo(ItemState.CANCELLED);
      assertThat(cancelled.error()).contains("shutdown");
      assertThat(logs.messages()).contains(
          "Queue 'q' stopped with 2 item(s) admitted but not run, lost: " + queued1 + ", " + queued2);
      assertThat(q.status(queued1).orElseThrow().state()).isEqualTo(ItemState.QUEUED);
      assertThat(drain.messages()).anySatisfy(m -> assertThat(m)
          .startsWith("Queue 'q': item(s) still running after").contains("(1)").endsWith(running));
    }
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void aCutShortStopStillUndeploysTheWorkersTheBlockedOneWhenItsItemReturns(Vertx vertx) throws Exception {
    Set<String> before = Set.copyOf(vertx.deploymentIDs());
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Host host = WorkTesting.startHost(vertx, Duration.ofMillis(300), b -> b
        .queue(new QueueOptions("q").concurrency(2))
        .handler("stuck", ctx -> {   // ignores its token
          started.countDown();
          assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        }));
    Set<String> deployed = Set.copyOf(vertx.deploymentIDs());
    String id = await(host.work().queue("q").enqueue("stuck", new JsonObject()));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    await(host.stop().otherwise((Void) null));
    // The stop did not wait for the stuck item; the idle worker is gone already, the stuck one stays until it returns.
    assertThat(release.getCount()).isOne();
    await().atMost(Duration.ofSeconds(5)).until(() -> vertx.deploymentIDs().size() == before.size() + 1);
    assertThat(deployed).containsAll(vertx.deploymentIDs());
    release.countDown();
    await().atMost(Duration.ofSeconds(5)).until(() -> vertx.deploymentIDs().equals(before));
    // Its outcome is still recorded: the handler returned normally, token or not.
    assertThat(host.work().queue("q").status(id).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
  }

  @Test
  void inFlightItemsThatFinishWithinTheBudgetSucceed(Vertx vertx) throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Host host = WorkTesting.startHost(vertx, Duration.ofSeconds(10), b -> b
        .queue(new QueueOptions("q").concurrency(1))
        .handler("gated", ctx -> {
          started.countDown();
          assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        }));
    WorkQueue q = host.work().queue("q");
    String id = await(q.enqueue("gated", new JsonObject()));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    Future<Void> stopped = host.stop();
    await().atMost(Duration.ofSeconds(5)).until(() -> q.enqueue("gated", new JsonObject()).failed());
    assertThat(stopped.isComplete()).isFalse();
    release.countDown();
    await(stopped);

    assertThat(q.status(id).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
    assertThat(host.exitCode()).isZero();
  }
}
