package io.berth.work;

import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class BackpressureTest {

  private final List<Integer> ran = new CopyOnWriteArrayList<>();
  private final Semaphore release = new Semaphore(0);
  private Host host;

  /** Records the item's {@code n}, then blocks until the test releases one permit. */
  private final WorkHandler slow = ctx -> {
    ran.add(ctx.payload().getInteger("n"));
    if (!release.tryAcquire(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("never released");
    }
  };

  @AfterEach
  void stop() {
    release.release(1000);
    if (host != null) {
      await(host.stop());
    }
  }

  @Test
  void waitModeHoldsTheThirdEnqueueUntilASlotFreesAndRunsInFifoOrder(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").capacity(2).concurrency(1).enqueueTimeout(Duration.ofSeconds(30)))
        .handler("slow", slow));
    WorkQueue q = host.work().queue("q");

    List<Future<String>> enqueues = new ArrayList<>();
    for (int n = 1; n <= 5; n++) {
      enqueues.add(q.enqueue("slow", new JsonObject().put("n", n)));
    }
    String first = await(enqueues.get(0));
    await(enqueues.get(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 1);
    // Item 1 runs and item 2 waits: the queue is at capacity, so the third enqueue has not been admitted.
    assertThat(enqueues.get(2).isComplete()).isFalse();
    assertThat(q.stats().depth()).isEqualTo(1);
    assertThat(q.stats().inFlight()).isEqualTo(1);
    assertThat(q.status(first).orElseThrow().state()).isEqualTo(ItemState.RUNNING);

    release.release();
    await(enqueues.get(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
    assertThat(enqueues.get(3).isComplete()).isFalse();

    release.release(4);
    enqueues.forEach(WorkTesting::await);
    await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() == 5);
    assertThat(ran).containsExactly(1, 2, 3, 4, 5);
    assertThat(q.stats().enqueued()).isEqualTo(5);
    assertThat(q.status(first).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
  }

  @Test
  void anEnqueueThatWaitsLongerThanEnqueueTimeoutFails(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").capacity(1).concurrency(1).enqueueTimeout(Duration.ofMillis(150)))
        .handler("slow", slow));
    WorkQueue q = host.work().queue("q");
    await(q.enqueue("slow", new JsonObject().put("n", 1)));

    long t0 = System.nanoTime();
    Throwable e = failure(q.enqueue("slow", new JsonObject().put("n", 2)));

    assertThat(e).isInstanceOf(WorkException.class);
    assertThat(((WorkException) e).code()).isEqualTo(WorkException.ENQUEUE_TIMEOUT);
    assertThat(e.getMessage()).contains("'q'").contains("150ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(140));
    release.release();
    await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() == 1);
    assertThat(q.stats().enqueued()).isEqualTo(1);
    assertThat(ran).containsExactly(1);
  }

  @Test
  void rejectModeFailsAtOnceAndAdmitsNothing(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").capacity(1).concurrency(1).fullMode(FullMode.REJECT))
        .handler("slow", slow));
    WorkQueue q = host.work().queue("q");
    await(q.enqueue("slow", new JsonObject().put("n", 1)));

    Throwable inProcess = failure(q.enqueue("slow", new JsonObject().put("n", 2)));
    Throwable overBus = failure(WorkQueues.request(vertx.eventBus(), "q", "slow", new JsonObject().put("n", 3), 5000));

    assertThat(((WorkException) inProcess).code()).isEqualTo(WorkException.QUEUE_FULL);
    assertThat(overBus).isInstanceOf(WorkException.class);
    assertThat(((WorkException) overBus).code()).isEqualTo(WorkException.QUEUE_FULL);
    assertThat(overBus.getMessage()).contains("queue 'q' is full (capacity 1)");
    assertThat(q.stats().rejected()).isEqualTo(2);
    assertThat(q.stats().enqueued()).isEqualTo(1);
    assertThat(q.stats().depth() + q.stats().inFlight()).isEqualTo(1);

    release.release(10);
    await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() == 1);
    String next = await(q.enqueue("slow", new JsonObject().put("n", 4)));
    await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() == 2);
    assertThat(ran).containsExactly(1, 4);
    assertThat(q.status(next)).isPresent();
  }
}
