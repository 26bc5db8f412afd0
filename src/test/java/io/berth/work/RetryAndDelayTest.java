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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Retries with backoff, dead letters and delayed items, against the memory and the SQLite store. */
@ExtendWith(VertxExtension.class)
class RetryAndDelayTest {

  @TempDir
  Path dir;

  private static final RetryOptions FAST = new RetryOptions().maxAttempts(3)
      .backoff(Duration.ofMillis(20), Duration.ofMillis(80));

  /** Runs {@code test} on a host of each store kind, stopping it after. */
  private void bothStores(Vertx vertx, Consumer<Host.Builder> configure, Consumer<Host> test) {
    WorkTesting.bothStores(vertx, dir, configure, test);
  }

  private static ItemStatus finished(WorkQueue q, String id) {
    await().atMost(Duration.ofSeconds(10)).until(() -> await(q.find(id)).map(s -> s.state().isFinal()).orElse(false));
    return await(q.find(id)).orElseThrow();
  }

  @Test
  void backoffIsExponentialWithJitterBetweenHalfAndAllAndCapped() {
    RetryOptions r = new RetryOptions().backoff(Duration.ofSeconds(1), Duration.ofSeconds(10));
    assertThat(r.maxAttempts()).isEqualTo(10);
    assertThat(r.backoff(1, 0.0)).isEqualTo(Duration.ofMillis(500));
    assertThat(r.backoff(1, 0.999_999)).isEqualTo(Duration.ofMillis(999));
    assertThat(r.backoff(2, 0.5)).isEqualTo(Duration.ofMillis(1500));
    assertThat(r.backoff(3, 0.0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(r.backoff(4, 1.0)).isEqualTo(Duration.ofSeconds(8));
    assertThat(r.backoff(5, 0.0)).isEqualTo(Duration.ofSeconds(5));   // capped at max: half of 10s
    assertThat(r.backoff(60, 1.0)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void retryConfigIsValidatedPerQueueAndPerType() {
    QueueOptions o = new QueueOptions("q").read(ConfigReader.of(new JsonObject()
        .put("retry", new JsonObject().put("maxAttempts", 5).put("initial", "2s").put("max", "1m"))
        .put("types", new JsonObject().put("mail", new JsonObject().put("retry", new JsonObject().put("maxAttempts", 2))))));
    assertThat(o.retry().maxAttempts()).isEqualTo(5);
    assertThat(o.retry().initial()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.retry("mail").maxAttempts()).isEqualTo(2);
    assertThat(o.retry("mail").initial()).isEqualTo(Duration.ofSeconds(2));
    assertThat(o.retry("other").maxAttempts()).isEqualTo(5);
    assertThatThrownBy(() -> new QueueOptions("q").read(ConfigReader.of(new JsonObject()
        .put("retry", new JsonObject().put("initial", "2s").put("max", "1s")))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("retry.max");
    assertThatThrownBy(() -> new QueueOptions("q").read(ConfigReader.of(new JsonObject()
        .put("retry", new JsonObject().put("maxAttempts", 0)))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("retry.maxAttempts");
  }

  @Test
  void failingTwiceThenSucceedingEndsSucceededWithThreeAttemptsAndBackoffGaps(Vertx vertx) {
    Map<String, List<Long>> starts = new ConcurrentHashMap<>();
    bothStores(vertx, b -> b.queue(new QueueOptions("q").retry(FAST)).handler("flaky", ctx -> {
      starts.computeIfAbsent(ctx.id(), k -> new CopyOnWriteArrayList<>()).add(System.currentTimeMillis());
      if (ctx.attempt() < 3) {
        throw new IllegalStateException("try " + ctx.attempt());
      }
    }), host -> {
      WorkQueue q = host.work().queue("q");
      String id = await(q.enqueue("flaky", new JsonObject()));
      ItemStatus s = finished(q, id);
      assertThat(s.state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(s.attempts()).isEqualTo(3);
      assertThat(s.errors()).containsExactly("IllegalStateException: try 1", "IllegalStateException: try 2");
      List<Long> t = starts.get(id);
      assertThat(t).hasSize(3);
      // Never earlier than half the backoff of the attempt that failed: 10ms, then 20ms.
      assertThat(t.get(1) - t.get(0)).isGreaterThanOrEqualTo(10);
      assertThat(t.get(2) - t.get(1)).isGreaterThanOrEqualTo(20);
    });
  }

  @Test
  void anItemRetryingShowsItsNextAttempt(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("later", ctx -> {
      if (ctx.attempt() == 1) {
        throw new RetryLaterException(Instant.now().plusSeconds(3600), "rate limited");
      }
    }), host -> {
      WorkQueue q = host.work().queue("q");
      String id = await(q.enqueue("later", new JsonObject()));
      await().atMost(Duration.ofSeconds(10)).until(() ->
          await(q.find(id)).map(s -> s.state() == ItemState.RETRYING).orElse(false));
      ItemStatus s = await(q.find(id)).orElseThrow();
      assertThat(s.nextAttemptAt()).isAfter(Instant.now().plusSeconds(3000));
      assertThat(s.toJson().getString("status")).isEqualTo("retrying");
      assertThat(s.toJson().getString("nextAttemptAt")).isNotNull();
      assertThat(s.error()).contains("rate limited");
      assertThat(q.stats().retrying()).isEqualTo(1);
    });
  }

  @Test
  void alwaysFailingEndsDeadAfterMaxAttemptsAndCanBeRetriedListedAndDeleted(Vertx vertx) {
    AtomicBoolean heal = new AtomicBoolean();
    bothStores(vertx, b -> b.queue(new QueueOptions("q").retry(FAST)).handler("bad", ctx -> {
      if (!heal.get()) {
        throw new IllegalStateException("broken " + ctx.attempt());
      }
    }), host -> {
      heal.set(false);
      WorkQueue q = host.work().queue("q");
      String a = await(q.enqueue("bad", new JsonObject()));
      String b2 = await(q.enqueue("bad", new JsonObject()));
      ItemStatus s = finished(q, a);
      finished(q, b2);
      assertThat(s.state()).isEqualTo(ItemState.DEAD);
      assertThat(s.attempts()).isEqualTo(3);
      assertThat(s.errors()).hasSize(3).last().isEqualTo("IllegalStateException: broken 3");
      assertThat(await(q.dead(10))).extracting(ItemStatus::id).containsExactlyInAnyOrder(a, b2);
      assertThat(q.stats().dead()).isEqualTo(2);

      heal.set(true);
      assertThat(await(q.retry(a))).contains(ItemState.DEAD);
      ItemStatus again = finished(q, a);
      assertThat(again.state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(again.attempts()).isEqualTo(1);
      assertThat(await(q.retry(a))).contains(ItemState.SUCCEEDED);   // not dead: nothing done
      assertThat(await(q.retry("nope"))).isEmpty();

      assertThat(await(q.deleteDead(b2))).contains(ItemState.DEAD);
      assertThat(await(q.dead(10))).isEmpty();
      assertThat(await(q.find(b2))).isEmpty();
    });
  }

  @Test
  void retryAllReenqueuesEveryDeadItemAndNonRetryableDiesAtOnce(Vertx vertx) {
    AtomicBoolean heal = new AtomicBoolean();
    bothStores(vertx, b -> b.queue(new QueueOptions("q").retry(FAST)).handler("fatal", ctx -> {
      if (!heal.get()) {
        throw new NonRetryableException("cannot parse");
      }
    }), host -> {
      heal.set(false);
      WorkQueue q = host.work().queue("q");
      String a = await(q.enqueue("fatal", new JsonObject()));
      String b2 = await(q.enqueue("fatal", new JsonObject()));
      assertThat(finished(q, a).attempts()).isEqualTo(1);
      assertThat(finished(q, b2).state()).isEqualTo(ItemState.DEAD);
      heal.set(true);
      assertThat(await(q.retryDead())).isEqualTo(2);
      assertThat(finished(q, a).state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(finished(q, b2).state()).isEqualTo(ItemState.SUCCEEDED);
    });
  }

  @Test
  void aDelayedItemDoesNotStartEarlyAndAPastRunAtRunsAtOnce(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("noop", ctx -> { }), host -> {
      WorkQueue q = host.work().queue("q");
      String delayed = await(q.enqueue(new WorkItems.Request("noop", null).delay(Duration.ofMillis(400))));
      String past = await(q.enqueue(new WorkItems.Request("noop", null).runAt(Instant.now().minusSeconds(60))));
      ItemStatus p = finished(q, past);
      assertThat(p.state()).isEqualTo(ItemState.SUCCEEDED);
      ItemStatus d = finished(q, delayed);
      assertThat(d.state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(Duration.between(d.enqueuedAt(), d.startedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    });
  }

  @Test
  void delayAndRunAtAreParsedAndANegativeDelayIsRefused() {
    assertThat(WorkItems.parse(new JsonObject().put("type", "t").put("delay", "30s")).delay())
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(WorkItems.parse(new JsonObject().put("type", "t").put("delay", 250)).delay())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(WorkItems.parse(new JsonObject().put("type", "t").put("runAt", "2030-01-01T00:00:00Z")).runAt())
        .isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
    for (Object bad : List.of("-1s", -5, "soon", true)) {
      assertThatThrownBy(() -> WorkItems.parse(new JsonObject().put("type", "t").put("delay", bad)))
          .isInstanceOf(WorkException.class).extracting(e -> ((WorkException) e).field()).isEqualTo("delay");
    }
    assertThatThrownBy(() -> WorkItems.parse(new JsonObject().put("type", "t").put("runAt", "tomorrow")))
        .extracting(e -> ((WorkException) e).field()).isEqualTo("runAt");
    assertThatThrownBy(() -> WorkItems.parse(new JsonObject().put("type", "t").put("runAt", "2030-01-01T00:00:00Z")
        .put("delay", 5))).extracting(e -> ((WorkException) e).field()).isEqualTo("delay");
  }

  @Test
  void aDelayedItemByTheEventBusWaitsToo(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("noop", ctx -> { }), host -> {
      String id = await(vertx.eventBus().<String>request(WorkQueues.address("q"),
          new WorkItems.Request("noop", null).delay(Duration.ofMillis(300)).toJson())).body();
      ItemStatus d = finished(host.work().queue("q"), id);
      assertThat(Duration.between(d.enqueuedAt(), d.startedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    });
  }

  @Test
  void aVersionOneStoreIsMigratedToTheCurrentVersion() throws Exception {
    Path file = dir.resolve("v1.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE berth_schema (version INTEGER NOT NULL)");
      s.execute("INSERT INTO berth_schema VALUES (1)");
      s.execute("CREATE TABLE items (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, queue TEXT NOT NULL,"
          + " type TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
          + " run_at INTEGER NOT NULL, enqueued_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,"
          + " error TEXT, lease_owner TEXT, lease_until INTEGER)");
      s.execute("CREATE INDEX items_claim ON items (queue, state, run_at, seq)");
      s.execute("INSERT INTO items (id, queue, type, payload, state, run_at, enqueued_at)"
          + " VALUES ('old-1', 'q', 't', '{}', 'queued', 0, 0)");
    }
    SqliteDatabase db = SqliteDatabase.open(file, true);
    db.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      try (ResultSet r = s.executeQuery("SELECT version FROM berth_schema")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getInt(1)).isEqualTo(SqliteDatabase.SCHEMA_VERSION).isEqualTo(3);
      }
      try (ResultSet r = s.executeQuery("SELECT id, errors, key FROM items")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getString(1)).isEqualTo("old-1");
        assertThat(r.getString(2)).isNull();
      }
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM queues")) {
        assertThat(r.next()).isTrue();
      }
      try (ResultSet r = s.executeQuery("SELECT count(*) FROM run_ledger")) {   // v3
        assertThat(r.next()).isTrue();
      }
    }
  }
}
