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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retention: the SQLite store deletes finished items past their time or count in the background; dead ones stay. */
@ExtendWith(VertxExtension.class)
class RetentionTest {

  @TempDir
  Path dir;

  private Host start(Vertx vertx, Path file, QueueOptions queue) {
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", file.toString()));
    Host h = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(config)).queue(queue).handler("noop", ctx -> { })
        .handler("fail", ctx -> {
          throw new NonRetryableException("no");
        }).build();
    await(h.start());
    return h;
  }

  private static long count(Path file, String where) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM items WHERE " + where)) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void aCountBoundedQueueKeepsOnlyTheNewestFinishedItemsAfterABurst(Vertx vertx) {
    Host host = start(vertx, dir.resolve("c.db"), new QueueOptions("q").capacity(5000).concurrency(4)
        .retention(Duration.ofDays(7), 50));
    try {
      WorkQueue q = host.work().queue("q");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 1200; i++) {   // more than two delete batches past the count
        ids.add(await(q.enqueue("noop", new JsonObject())));
      }
      String dead = await(q.enqueue("fail", new JsonObject()));
      await().atMost(Duration.ofSeconds(20)).until(() -> q.stats().succeeded() == 1200 && q.stats().dead() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          await(q.list(ItemState.SUCCEEDED, null, 1000, null)).items().size() == 50);
      List<String> kept = await(q.list(ItemState.SUCCEEDED, null, 1000, null)).items().stream().map(ItemStatus::id)
          .sorted().toList();
      // The newest 50 by end: within the last items admitted (4 workers may end them slightly out of order).
      assertThat(ids.subList(0, 1100)).doesNotContainAnyElementsOf(kept);
      assertThat(await(q.dead(10))).extracting(ItemStatus::id).containsExactly(dead);
    } finally {
      await(host.stop());
    }
  }

  @Test
  void finishedItemsOlderThanTheRetentionTimeAreDeletedAndDeadLettersStay(Vertx vertx) throws Exception {
    Path file = dir.resolve("t.db");
    QueueOptions options = new QueueOptions("q").retention(Duration.ofDays(1), 10_000);
    Host host = start(vertx, file, options);
    WorkQueue q = host.work().queue("q");
    for (int i = 0; i < 30; i++) {
      await(q.enqueue("noop", new JsonObject()));
    }
    await(q.enqueue("fail", new JsonObject()));
    await().atMost(Duration.ofSeconds(10)).until(() -> q.stats().succeeded() == 30 && q.stats().dead() == 1);
    await(host.stop());
    // Twenty of them (and the dead one) ended two days ago: written through the file, no clock to wait for.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE items SET finished_at = finished_at - 172800000 WHERE seq IN (SELECT seq FROM items"
          + " WHERE state = 'succeeded' ORDER BY seq LIMIT 20) OR state = 'dead'");
    }
    Host again = start(vertx, file, options);
    host = again;
    try {
      WorkQueue q2 = again.work().queue("q");
      await().atMost(Duration.ofSeconds(10)).until(() ->
          await(q2.list(ItemState.SUCCEEDED, null, 1000, null)).items().size() == 10);
      assertThat(await(q2.dead(10))).hasSize(1);
    } finally {
      await(host.stop());
    }
    assertThat(count(file, "state = 'dead'")).isEqualTo(1);
  }
}
