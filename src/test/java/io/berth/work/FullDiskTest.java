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

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A full disk while running: a real {@code SQLITE_FULL} (the file capped with {@code PRAGMA max_page_count}) fails
 * enqueues with {@code store_unavailable}, keeps nothing half-written, and enqueues succeed again once there is room.
 */
@ExtendWith(VertxExtension.class)
class FullDiskTest {

  @TempDir
  Path dir;

  @Test
  void aFullDiskFailsEnqueuesWithStoreUnavailableAndTheStoreRecoversWhenSpaceReturns(Vertx vertx) {
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", dir.resolve("f.db").toString()));
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(config)).queue(new QueueOptions("q").capacity(10_000))
        .handler("noop", ctx -> { }).build();
    await(host.start());
    try (WorkTesting.Capture log = WorkTesting.capture(SqliteDatabase.class)) {
      WorkQueue q = host.work().queue("q");
      String before = await(q.enqueue("noop", new JsonObject()));
      SqliteDatabase db = ((SqliteItemStore) q.store()).database();
      db.limitPagesForTest(2);
      JsonObject big = new JsonObject().put("data", "x".repeat(64 * 1024));
      List<Future<String>> tries = new ArrayList<>();
      Throwable refused = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        Future<String> f = q.enqueue(new WorkItems.Request("noop", big).delay(Duration.ofHours(1)));
        await().atMost(Duration.ofSeconds(10)).until(f::isComplete);
        if (f.failed()) {
          refused = f.cause();
        } else {
          tries.add(f);
        }
      }
      assertThat(refused).as("an enqueue on the full file").isInstanceOf(WorkException.class);
      assertThat(((WorkException) refused).code()).isEqualTo(WorkException.STORE_UNAVAILABLE);
      assertThat(log.messages()).anyMatch(m -> m.contains("SQLITE_FULL"));
      long stored = q.stats().depth();
      // Nothing half-written: the refused item is nowhere, and its slot is free.
      assertThat(await(q.list(null, null, 1000, null)).items()).hasSize(1 + tries.size());
      // The host keeps serving: reads and status work while the disk is full.
      assertThat(await(q.find(before))).isPresent();
      db.limitPagesForTest(-1);   // space returns
      String after = await(q.enqueue(new WorkItems.Request("noop", big).delay(Duration.ofHours(1))));
      assertThat(await(q.find(after))).isPresent();
      assertThat(q.stats().depth()).isEqualTo(stored + 1);
    } finally {
      await(host.stop());
    }
  }
}
