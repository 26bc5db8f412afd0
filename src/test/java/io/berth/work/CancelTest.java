package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Cancel: a queued, delayed or claimed-ahead item at once; a running one by its token; both stores. */
@ExtendWith(VertxExtension.class)
class CancelTest {

  @TempDir
  Path dir;

  private void bothStores(Vertx vertx, Consumer<Host.Builder> configure, Consumer<Host> test) {
    WorkTesting.bothStores(vertx, dir, configure, test);
  }

  private static ItemStatus finished(WorkQueue q, String id) {
    await().atMost(Duration.ofSeconds(10)).until(() -> await(q.find(id)).map(s -> s.state().isFinal()).orElse(false));
    return await(q.find(id)).orElseThrow();
  }

  @Test
  void aRunningItemIsCancelledByItsTokenAndAQueuedOneBehindItAtOnce(Vertx vertx) {
    Set<String> ran = ConcurrentHashMap.newKeySet();
    CountDownLatch started = new CountDownLatch(1);
    bothStores(vertx, b -> b.queue(new QueueOptions("q").concurrency(1).capacity(10)).handler("wait", ctx -> {
      ran.add(ctx.id());
      started.countDown();
      CountDownLatch cancelled = new CountDownLatch(1);
      ctx.token().onCancel(cancelled::countDown);
      assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
      ctx.token().throwIfCancellationRequested();
    }), host -> {
      ran.clear();
      WorkQueue q = host.work().queue("q");
      String running = await(q.enqueue("wait", new JsonObject()));
      await().atMost(Duration.ofSeconds(5)).until(() -> ran.contains(running));
      String queued = await(q.enqueue("wait", new JsonObject()));
      String delayed = await(q.enqueue(new WorkItems.Request("wait", null).delay(Duration.ofHours(1))));

      assertThat(await(q.cancel(queued))).contains(ItemState.QUEUED);
      assertThat(await(q.cancel(delayed))).contains(ItemState.QUEUED);
      assertThat(finished(q, queued).state()).isEqualTo(ItemState.CANCELLED);
      assertThat(finished(q, delayed).error()).isEqualTo("cancelled by request");

      assertThat(await(q.cancel(running))).contains(ItemState.RUNNING);
      ItemStatus r = finished(q, running);
      assertThat(r.state()).isEqualTo(ItemState.CANCELLED);
      assertThat(await(q.cancel(running))).contains(ItemState.CANCELLED);   // ended: nothing more
      assertThat(await(q.cancel("nope"))).isEmpty();
      assertThat(ran).containsExactly(running);
      assertThat(q.stats().depth()).isZero();
      assertThat(q.stats().cancelled()).isEqualTo(3);
      // The slots are free again: a new item runs.
      String next = await(q.enqueue("wait", new JsonObject()));
      await().atMost(Duration.ofSeconds(5)).until(() -> ran.contains(next));
      await(q.cancel(next));
      finished(q, next);
    });
  }

  @Test
  void aRetryingItemIsCancelledAtOnce(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("later", ctx -> {
      throw new RetryLaterException(Duration.ofHours(1), "not now");
    }), host -> {
      WorkQueue q = host.work().queue("q");
      String id = await(q.enqueue("later", new JsonObject()));
      await().atMost(Duration.ofSeconds(5)).until(() ->
          await(q.find(id)).map(s -> s.state() == ItemState.RETRYING).orElse(false));
      assertThat(await(q.cancel(id))).contains(ItemState.RETRYING);
      assertThat(finished(q, id).state()).isEqualTo(ItemState.CANCELLED);
      assertThat(q.stats().retrying()).isZero();
    });
  }
}
