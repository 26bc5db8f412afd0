package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Unique keys: a second enqueue of an unfinished key creates nothing and answers the first id; both stores. */
@ExtendWith(VertxExtension.class)
class UniqueKeyTest {

  @TempDir
  Path dir;

  private void bothStores(Vertx vertx, Consumer<Host.Builder> configure, Consumer<Host> test) {
    WorkTesting.bothStores(vertx, dir, configure, test);
  }

  @Test
  void aSecondEnqueueWithAnUnfinishedKeyReturnsTheFirstIdAndAFinishedKeyIsFreeAgain(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("noop", ctx -> { }), host -> {
      WorkQueue q = host.work().queue("q");
      WorkItems.Request later = new WorkItems.Request("noop", null).delay(Duration.ofHours(1)).key("order-42");
      Enqueued first = await(q.submit(later));
      assertThat(first.created()).isTrue();
      Enqueued second = await(q.submit(later));
      assertThat(second).isEqualTo(new Enqueued(first.id(), false));
      assertThat(await(q.enqueue(later))).isEqualTo(first.id());
      // Through the event bus too: the first id, and the header says nothing was created.
      var reply = await(vertx.eventBus().<String>request(WorkQueues.address("q"), later.toJson()));
      assertThat(reply.body()).isEqualTo(first.id());
      assertThat(reply.headers().get(WorkQueues.CREATED_HEADER)).isEqualTo("false");
      assertThat(q.stats().enqueued()).isEqualTo(1);

      await(q.cancel(first.id()));
      Enqueued third = await(q.submit(new WorkItems.Request("noop", null).key("order-42")));
      assertThat(third.created()).isTrue();
      assertThat(third.id()).isNotEqualTo(first.id());
    });
  }

  @Test
  void concurrentEnqueuesWithOneKeyCreateExactlyOneItem(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q").capacity(1000)).handler("noop", ctx -> { }), host -> {
      WorkQueue q = host.work().queue("q");
      WorkItems.Request item = new WorkItems.Request("noop", null).delay(Duration.ofHours(1)).key("same");
      int n = 16;
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<Future<Enqueued>>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          calls.add(pool.submit((Callable<Future<Enqueued>>) () -> {
            go.await(5, TimeUnit.SECONDS);
            return q.submit(item);
          }));
        }
        go.countDown();
        List<Enqueued> outcomes = new ArrayList<>();
        for (var c : calls) {
          outcomes.add(await(c.get(10, TimeUnit.SECONDS)));
        }
        assertThat(outcomes).filteredOn(Enqueued::created).hasSize(1);
        assertThat(outcomes).extracting(Enqueued::id).containsOnly(outcomes.get(0).id());
        assertThat(q.stats().enqueued()).isEqualTo(1);
      } catch (Exception e) {
        throw new AssertionError(e);
      } finally {
        pool.shutdownNow();
      }
    });
  }

  @Test
  void aKeyMustBeANonBlankStringOfAtMost200Characters() {
    assertThat(WorkItems.parse(new JsonObject().put("type", "t").put("key", "k".repeat(200))).key()).hasSize(200);
    for (Object bad : List.of("k".repeat(201), "  ", 7)) {
      assertThatThrownBy(() -> WorkItems.parse(new JsonObject().put("type", "t").put("key", bad)))
          .isInstanceOf(WorkException.class).extracting(e -> ((WorkException) e).field()).isEqualTo("key");
    }
  }
}
