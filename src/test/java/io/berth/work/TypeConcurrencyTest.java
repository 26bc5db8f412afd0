package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Per-type concurrency limits: a limited type never runs past its limit, and other types flow past it. */
@ExtendWith(VertxExtension.class)
class TypeConcurrencyTest {

  @TempDir
  Path dir;

  @Test
  void aLimitedTypeNeverRunsPastItsLimitWhileOtherTypesKeepFlowingPastIt(Vertx vertx) {
    AtomicInteger slowNow = new AtomicInteger();
    AtomicInteger slowMax = new AtomicInteger();
    AtomicInteger slowDone = new AtomicInteger();
    AtomicInteger fastDone = new AtomicInteger();
    AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    WorkTesting.bothStores(vertx, dir, b -> b
        .queue(new QueueOptions("q").concurrency(6).capacity(10_000).concurrency("slow", 2))
        .handler("slow", ctx -> {
          int n = slowNow.incrementAndGet();
          slowMax.accumulateAndGet(n, Math::max);
          try {
            gate.get().await(10, TimeUnit.SECONDS);   // held until the fast items all ran: they must pass it
            Thread.sleep(2);
          } finally {
            slowNow.decrementAndGet();
            slowDone.incrementAndGet();
          }
        })
        .handler("fast", ctx -> fastDone.incrementAndGet()), host -> {
          gate.set(new CountDownLatch(1));
          slowMax.set(0);
          slowDone.set(0);
          fastDone.set(0);
          WorkQueue q = host.work().queue("q");
          List<String> ids = new ArrayList<>();
          // The slow items first: a FIFO claim would give them every worker, and the fast ones would wait.
          for (int i = 0; i < 60; i++) {
            ids.add(await(q.enqueue("slow", new JsonObject())));
          }
          for (int i = 0; i < 500; i++) {
            ids.add(await(q.enqueue("fast", new JsonObject().put("n", i))));
          }
          await().atMost(Duration.ofSeconds(20)).until(() -> fastDone.get() == 500);
          assertThat(slowDone.get()).as("slow items done while the fast ones ran").isZero();
          assertThat(slowNow.get()).isEqualTo(2);
          gate.get().countDown();
          await().atMost(Duration.ofSeconds(20)).until(() -> slowDone.get() == 60);
          assertThat(slowMax.get()).as("most slow items running at once").isEqualTo(2);
          await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().succeeded() == ids.size());
          assertThat(await(q.find(ids.get(0)))).map(ItemStatus::state).contains(ItemState.SUCCEEDED);
        });
  }

  @Test
  void theLimitIsReadFromConfigAndValidated() {
    QueueOptions o = new QueueOptions("q").read(ConfigReader.of(new JsonObject().put("types", new JsonObject()
        .put("pdf", new JsonObject().put("concurrency", 3)))));
    assertThat(o.concurrency("pdf")).isEqualTo(3);
    assertThat(o.concurrency("other")).isZero();
    assertThatThrownBy(() -> new QueueOptions("q").read(ConfigReader.of(new JsonObject().put("types", new JsonObject()
        .put("pdf", new JsonObject().put("concurrency", 0))))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("types.pdf.concurrency");
    assertThatThrownBy(() -> new QueueOptions("q").concurrency("pdf", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void delayedItemsOfASaturatedTypeWaitWithoutBlockingOthers(Vertx vertx) {
    AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    AtomicInteger fast = new AtomicInteger();
    WorkTesting.bothStores(vertx, dir, b -> b
        .queue(new QueueOptions("q").concurrency(3).concurrency("slow", 1))
        .handler("slow", ctx -> gate.get().await(10, TimeUnit.SECONDS))
        .handler("fast", ctx -> fast.incrementAndGet()), (Host host) -> {
          gate.set(new CountDownLatch(1));
          fast.set(0);
          WorkQueue q = host.work().queue("q");
          String first = await(q.enqueue("slow", new JsonObject()));
          await().atMost(Duration.ofSeconds(5)).until(() -> q.status(first).map(s -> s.state())
              .orElse(null) == ItemState.RUNNING);
          String delayed = await(q.enqueue(new WorkItems.Request("slow", null).delay(Duration.ofMillis(20))));
          for (int i = 0; i < 20; i++) {
            await(q.enqueue("fast", new JsonObject()));
          }
          await().atMost(Duration.ofSeconds(5)).until(() -> fast.get() == 20);
          assertThat(await(q.find(delayed)).orElseThrow().state()).isIn(ItemState.QUEUED, ItemState.RETRYING);
          gate.get().countDown();
          await().atMost(Duration.ofSeconds(5)).until(() -> await(q.find(delayed)).orElseThrow().state()
              == ItemState.SUCCEEDED);
        });
  }
}
