package io.berth.work;

import io.berth.config.ConfigException;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The memory budget: admission is bounded by the payload bytes held in memory, not only by the count. */
@ExtendWith(VertxExtension.class)
class MemoryBudgetTest {

  @TempDir
  Path dir;

  private static JsonObject payload(int bytes) {
    return new JsonObject().put("data", "x".repeat(bytes));
  }

  @Test
  void aQueueHoldingItsBudgetRefusesWithQueueFullAndAnItemLargerThanTheBudgetIsTooLarge(Vertx vertx) {
    AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    WorkTesting.bothStores(vertx, dir, b -> b
        .queue(new QueueOptions("q").capacity(1000).concurrency(1).maxBytes(100_000).fullMode(FullMode.WAIT))
        .handler("hold", ctx -> gate.get().await(10, TimeUnit.SECONDS)), host -> {
          gate.set(new CountDownLatch(1));
          WorkQueue q = host.work().queue("q");
          Throwable tooLarge = failure(q.enqueue("hold", payload(150_000)));
          assertThat(((WorkException) tooLarge).code()).isEqualTo(WorkException.PAYLOAD_TOO_LARGE);
          assertThat(tooLarge.getMessage()).contains("queues.q.maxBytes");
          if (q.store().durable()) {
            // Payloads wait on disk: far more than the budget is admitted, and what is read back stays bounded.
            for (int i = 0; i < 40; i++) {
              await(q.enqueue("hold", payload(20_000)));
            }
            SqliteItemStore s = (SqliteItemStore) q.store();
            await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().inFlight() == 1);
            assertThat(s.budgetUsed()).as("bytes claimed ahead and running").isLessThanOrEqualTo(100_000 + 20_100);
            assertThat(s.buffered()).isLessThan(10);
          } else {
            int admitted = 0;
            Throwable full = null;
            while (full == null && admitted < 100) {
              var f = q.enqueue("hold", payload(20_000));
              await().atMost(Duration.ofSeconds(5)).until(f::isComplete);
              if (f.failed()) {
                full = f.cause();
              } else {
                admitted++;
              }
            }
            // Even in wait mode: a request that does not fit is refused at once, never parked with its payload.
            assertThat(admitted).isBetween(4, 5);
            assertThat(((WorkException) full).code()).isEqualTo(WorkException.QUEUE_FULL);
            assertThat(full.getMessage()).contains("queues.q.maxBytes");
          }
          gate.get().countDown();
          // Once the items end, their bytes come back.
          await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().depth() == 0 && q.stats().inFlight() == 0);
          for (int i = 0; i < 4; i++) {
            await(q.enqueue("hold", payload(20_000)));
          }
        });
  }

  @Test
  void theHostWideBudgetBoundsAllQueuesTogether(Vertx vertx) {
    CountDownLatch gate = new CountDownLatch(1);
    JsonObject config = new JsonObject().put("work", new JsonObject().put("maxBytes", "1MiB"));
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(config))
        .queue(new QueueOptions("a").capacity(100).concurrency(1)).queue(new QueueOptions("b").capacity(100)
            .concurrency(1))
        .handler("hold", ctx -> gate.await(10, TimeUnit.SECONDS)).build();
    await(host.start());
    try {
      for (int i = 0; i < 3; i++) {
        await(host.work().queue("a").enqueue("hold", payload(300_000)));
      }
      Throwable full = failure(host.work().queue("b").enqueue("hold", payload(300_000)));
      assertThat(((WorkException) full).code()).isEqualTo(WorkException.QUEUE_FULL);
      assertThat(full.getMessage()).contains("work.maxBytes");
    } finally {
      gate.countDown();
      await(host.stop());
    }
  }

  @Test
  void aMemoryQueueWhoseCapacityOfLargestBodiesCannotFitTheBudgetIsRefusedAtStartNamingTheKey(Vertx vertx) {
    JsonObject config = new JsonObject()
        .put("http", new JsonObject().put("maxBodySize", "1MiB"))
        .put("work", new JsonObject().put("maxBytes", "16MiB"))
        .put("queues", new JsonObject().put("big", new JsonObject().put("capacity", 100)));
    assertThatThrownBy(() -> Host.builder().vertx(vertx).config(ConfigReader.of(config)).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("queues.big.capacity")
        .hasMessageContaining("work.maxBytes");
    // Within the budget it starts.
    config.getJsonObject("queues").getJsonObject("big").put("capacity", 16);
    Host.builder().vertx(vertx).config(ConfigReader.of(config)).build();
  }

  @Test
  void theSizeOfAPayloadIsAboutItsJsonText() {
    JsonObject p = new JsonObject().put("s", "x".repeat(1000)).put("n", 5).put("a", new io.vertx.core.json.JsonArray()
        .add("yy").add(new JsonObject().put("k", "v")));
    long size = PayloadBudget.size(p);
    assertThat(size).isBetween((long) p.encode().length(), p.encode().length() + 64L);
  }
}
