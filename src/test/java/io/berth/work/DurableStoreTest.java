package io.berth.work;

import io.berth.config.ConfigException;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The SQLite store: accepted items survive a stop, a restart runs them, and a bad store file is a config error. */
@ExtendWith(VertxExtension.class)
class DurableStoreTest {

  @TempDir
  Path dir;

  private Host start(Vertx vertx, Duration shutdown, Consumer<Host.Builder> configure) {
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", dir.resolve("berth.db").toString()));
    Host.Builder b = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(shutdown))
        .config(ConfigReader.of(config));
    configure.accept(b);
    Host host = b.build();
    await(host.start());
    return host;
  }

  @Test
  void queuedAndRunningItemsSurviveAStopAndAllFinishAfterTheRestart(Vertx vertx) {
    Host first = start(vertx, Duration.ofMillis(300), b -> b
        .queue(new QueueOptions("q").concurrency(2).capacity(1000))
        .handler(SampleHandlers.SLEEP, SampleHandlers.SLEEP_HANDLER));
    WorkQueue q = first.work().queue("q");
    List<String> running = List.of(
        await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 60_000))),
        await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 60_000))));
    await().atMost(Duration.ofSeconds(5)).until(() -> running.stream()
        .allMatch(id -> q.status(id).map(s -> s.state() == ItemState.RUNNING).orElse(false)));
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      queued.add(await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 0))));
    }
    try (WorkTesting.Capture logs = WorkTesting.capture(Dispatcher.class)) {
      await(first.stop());
      assertThat(logs.messages()).contains("Queue 'q': 302 item(s) left in the store for the next start")
          .noneMatch(m -> m.contains("not run"));
    }

    Map<String, Boolean> ran = new ConcurrentHashMap<>();
    Host second = start(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").concurrency(4).capacity(1000))
        .handler(SampleHandlers.SLEEP, ctx -> {
          ran.put(ctx.id(), true);
        }));
    WorkQueue q2 = second.work().queue("q");
    List<String> all = new ArrayList<>(running);
    all.addAll(queued);
    await().atMost(Duration.ofSeconds(20)).until(() -> ran.size() == all.size());
    await().atMost(Duration.ofSeconds(5)).until(() -> all.stream().allMatch(id ->
        await(q2.find(id)).map(s -> s.state() == ItemState.SUCCEEDED).orElse(false)));
    for (String id : running) {
      // The shutdown cut their first run short: it does not count.
      assertThat(await(q2.find(id)).orElseThrow().attempts()).isEqualTo(1);
    }
    assertThat(await(q2.find(queued.get(0))).orElseThrow().attempts()).isEqualTo(1);
    assertThat(q2.stats().succeeded()).isEqualTo(all.size());
    await(second.stop());
  }

  @Test
  void anEnqueueCompletesOnlyOnceStoredAndManyProducersGetDistinctItems(Vertx vertx) {
    Host host = start(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").concurrency(4).capacity(100_000))
        .handler(SampleHandlers.LOG, ctx -> { }));
    WorkQueue q = host.work().queue("q");
    List<Future<String>> ids = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(q.enqueue(SampleHandlers.LOG, new JsonObject().put("i", i)));
    }
    await(Future.all(ids));
    await().atMost(Duration.ofSeconds(20)).until(() -> q.stats().succeeded() == 2000);
    assertThat(await(q.find(ids.get(0).result())).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
    await(host.stop());
  }

  @Test
  void aStoreFromANewerBerthIsRefusedNamingTheKey() throws Exception {
    Path db = dir.resolve("berth.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE berth_schema (version INTEGER NOT NULL)");
      s.execute("INSERT INTO berth_schema VALUES (99)");
    }
    assertThatThrownBy(() -> build(db))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.path").hasMessageContaining("schema version 99");
  }

  @Test
  void aCorruptFileAnUnusableFolderAndALockedFileAreRefusedNamingTheKey() throws Exception {
    Path corrupt = dir.resolve("corrupt.db");
    Files.writeString(corrupt, "this is not a database, it is a text file long enough to be read as a header".repeat(20));
    assertThatThrownBy(() -> build(corrupt)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.path").hasMessageContaining("not a valid SQLite database");

    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertThatThrownBy(() -> build(file.resolve("berth.db"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("store.path").hasMessageContaining("cannot create its folder");

    Path shared = dir.resolve("shared.db");
    Host holder = build(shared);
    try {
      assertThatThrownBy(() -> build(shared)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("store.path").hasMessageContaining("locked by another process");
    } finally {
      await(holder.start());
      await(holder.stop());
    }
  }

  private static Host build(Path db) {
    return Host.builder()
        .config(ConfigReader.of(new JsonObject().put("store", new JsonObject().put("path", db.toString()))))
        .queue(new QueueOptions("q"))
        .handler(SampleHandlers.LOG, ctx -> { })
        .build();
  }
}
