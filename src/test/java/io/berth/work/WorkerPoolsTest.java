package io.berth.work;

import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each queue and fire-and-forget have pools of their own: none can starve the others or Vert.x's shared pool. */
class WorkerPoolsTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private Vertx vertx;
  private Host host;

  @AfterEach
  void close() {
    release.countDown();
    if (host != null) {
      await(host.stop());
    }
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void aQueueWithEveryWorkerBlockedLeavesRoomForFiredAndOtherBlockingWork() throws Exception {
    // Vert.x's shared pool is as small as the queue's concurrency: shared, the queue would take all of it.
    vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(2));
    CountDownLatch started = new CountDownLatch(2);
    List<String> itemThreads = new CopyOnWriteArrayList<>();
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").concurrency(2))
        .handler("block", ctx -> {
          itemThreads.add(Thread.currentThread().getName());
          started.countDown();
          assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
        }));
    WorkQueue q = host.work().queue("q");
    await(q.enqueue("block", new JsonObject()));
    await(q.enqueue("block", new JsonObject()));
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

    AtomicReference<String> fireThread = new AtomicReference<>();
    Future<Void> fired = host.work().fire("quick", ctx -> fireThread.set(Thread.currentThread().getName()));
    Future<String> blocking = vertx.executeBlocking(() -> Thread.currentThread().getName());

    fired.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(blocking.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .startsWith("vert.x-worker-thread");
    assertThat(fireThread.get()).startsWith("berth-fire");
    assertThat(itemThreads).allMatch(t -> t.startsWith("berth-queue-q"));
  }

  @Test
  void aLongFiredJobRaisesNoBlockedThreadWarning() {
    vertx = Vertx.vertx(new VertxOptions()
        .setMaxWorkerExecuteTime(100).setMaxWorkerExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(20));
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> { });
    try (WorkTesting.Capture logs = WorkTesting.capture("io.vertx.core.impl.BlockedThreadChecker")) {
      AtomicReference<String> fireThread = new AtomicReference<>();
      AtomicReference<String> controlThread = new AtomicReference<>();
      Future<Void> fired = host.work().fire("long", ctx -> {
        fireThread.set(Thread.currentThread().getName());
        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
      });
      // A job on Vert.x's shared pool as long as the fired one: once the checker warned about it, it has looked
      // at the fired job too.
      Future<Boolean> control = vertx.executeBlocking(() -> {
        controlThread.set(Thread.currentThread().getName());
        return release.await(10, TimeUnit.SECONDS);
      });
      await().atMost(Duration.ofSeconds(5)).until(() -> fireThread.get() != null && controlThread.get() != null
          && logs.messages().stream().anyMatch(m -> m.startsWith("Thread " + controlThread.get() + " has been")));
      assertThat(logs.messages()).noneMatch(m -> m.startsWith("Thread " + fireThread.get() + " has been"));
      release.countDown();
      await(fired);
      assertThat(await(control)).isTrue();
    }
  }
}
