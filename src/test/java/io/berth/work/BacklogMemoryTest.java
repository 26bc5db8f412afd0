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

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A large backlog waits on disk, not in the heap: with 200,000 items queued in the SQLite store, the queue holds
 * only its claim-ahead buffer and its status cache in memory, both within their bounds.
 */
@ExtendWith(VertxExtension.class)
class BacklogMemoryTest {

  static final int ITEMS = 200_000;

  @TempDir
  Path dir;

  @Test
  void aBacklogOfTwoHundredThousandItemsStaysOnDisk(Vertx vertx) {
    CountDownLatch gate = new CountDownLatch(1);
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", dir.resolve("b.db").toString())
        .put("synchronous", "normal"));
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofMillis(500)))
        .config(ConfigReader.of(config)).queue(new QueueOptions("q").capacity(1_000_000).concurrency(2))
        .handler("hold", ctx -> gate.await(30, TimeUnit.SECONDS)).build();
    await(host.start());
    try {
      WorkQueue q = host.work().queue("q");
      SqliteItemStore store = (SqliteItemStore) q.store();
      long before = usedHeapAfterGc();
      JsonObject payload = new JsonObject().put("order", 12345).put("note", "a small item");
      for (int done = 0; done < ITEMS; ) {
        List<Future<String>> chunk = new ArrayList<>();
        for (int i = 0; i < 10_000; i++, done++) {
          chunk.add(q.enqueue("hold", payload.copy()));
        }
        await(Future.all(chunk));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().inFlight() == 2);
      assertThat(q.stats().depth() + q.stats().inFlight()).isEqualTo(ITEMS);
      long after = usedHeapAfterGc();
      // The structures that hold items in memory stay within their bounds, whatever the backlog.
      assertThat(store.buffered()).isLessThanOrEqualTo(store.ahead());
      assertThat(store.cached()).isLessThanOrEqualTo(4096 + store.ahead() + 2);
      // No per-item object: 200,000 items in the heap would take tens of MB (an Item, its payload, its id).
      assertThat(after - before).as("heap growth in bytes").isLessThan(16L * 1024 * 1024);
    } finally {
      gate.countDown();
      await(host.stop());
    }
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
