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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The unique-key window: within it after the first item finished, the same key returns the first id. */
@ExtendWith(VertxExtension.class)
class UniqueWindowTest {

  @TempDir
  Path dir;

  private static ItemStatus finished(WorkQueue q, String id) {
    await().atMost(Duration.ofSeconds(10)).until(() -> await(q.find(id)).map(s -> s.state().isFinal()).orElse(false));
    return await(q.find(id)).orElseThrow();
  }

  @Test
  void withinTheWindowAFinishedKeyStillReturnsTheFirstIdAndCreatesNothing(Vertx vertx) {
    WorkTesting.bothStores(vertx, dir, b -> b.queue(new QueueOptions("q").uniqueWindow(Duration.ofHours(1)))
        .handler("noop", ctx -> { }), host -> {
          WorkQueue q = host.work().queue("q");
          WorkItems.Request item = new WorkItems.Request("noop", null).key("invoice-7");
          Enqueued first = await(q.submit(item));
          assertThat(finished(q, first.id()).state()).isEqualTo(ItemState.SUCCEEDED);
          assertThat(await(q.submit(item))).isEqualTo(new Enqueued(first.id(), false));
          assertThat(q.stats().enqueued()).isEqualTo(1);
          // A cancelled item does not hold its key past its end.
          WorkItems.Request other = new WorkItems.Request("noop", null).key("c").delay(Duration.ofHours(1));
          Enqueued c = await(q.submit(other));
          await(q.cancel(c.id()));
          assertThat(await(q.submit(other)).created()).isTrue();
        });
  }

  @Test
  void withoutAWindowAFinishedKeyIsFreeAgain(Vertx vertx) {
    WorkTesting.bothStores(vertx, dir, b -> b.queue(new QueueOptions("q")).handler("noop", ctx -> { }), host -> {
      WorkQueue q = host.work().queue("q");
      WorkItems.Request item = new WorkItems.Request("noop", null).key("k");
      Enqueued first = await(q.submit(item));
      finished(q, first.id());
      Enqueued second = await(q.submit(item));
      assertThat(second.created()).isTrue();
      assertThat(second.id()).isNotEqualTo(first.id());
    });
  }

  @Test
  void sqliteComparesTheWindowWithTheStoredEndTime(Vertx vertx) throws Exception {
    Path file = dir.resolve("w.db");
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", file.toString()));
    java.util.function.Supplier<Host> start = () -> {
      Host h = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
          .config(ConfigReader.of(config)).queue(new QueueOptions("q").uniqueWindow(Duration.ofMinutes(10)))
          .handler("noop", ctx -> { }).build();
      await(h.start());
      return h;
    };
    Host host = start.get();
    WorkItems.Request item = new WorkItems.Request("noop", null).key("k");
    String first = await(host.work().queue("q").submit(item)).id();
    finished(host.work().queue("q"), first);
    await(host.stop());
    // The first item ended 11 minutes ago: outside the window.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE items SET finished_at = finished_at - 660000 WHERE id = '" + first + "'");
    }
    host = start.get();
    try {
      Enqueued again = await(host.work().queue("q").submit(item));
      assertThat(again.created()).isTrue();
      assertThat(again.id()).isNotEqualTo(first);
      // ... and 9 minutes ago would be inside it: the new one is the key's item now.
      finished(host.work().queue("q"), again.id());
      assertThat(await(host.work().queue("q").submit(item))).isEqualTo(new Enqueued(again.id(), false));
    } finally {
      await(host.stop());
    }
  }

  @Test
  void theMemoryStoreComparesTheWindowWithTheItemsEndTime() {
    MemoryItemStore store = new MemoryItemStore(new QueueOptions("q").uniqueWindow(Duration.ofMinutes(10)));
    Item first = new Item("a-1", "t", new JsonObject(), null, 0, "k");
    assertThat(await(store.append(first))).isNull();
    Item claimed = store.claim();
    claimed.start();
    claimed.end(ItemState.SUCCEEDED, null);
    store.finished(claimed);
    Future<String> dup = store.append(new Item("a-2", "t", new JsonObject(), null, 0, "k"));
    assertThat(await(dup)).isEqualTo("a-1");
    store.agedKeyForTest("k", Duration.ofMinutes(11).toMillis());
    assertThat(await(store.append(new Item("a-3", "t", new JsonObject(), null, 0, "k")))).isNull();
  }
}
