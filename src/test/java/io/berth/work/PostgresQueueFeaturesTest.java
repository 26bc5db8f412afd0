package io.berth.work;

import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the PostgreSQL store does on top of claims, against a real server shared by several hosts (nodes) on one
 * database: retention sweeps (by time and by count, from several nodes at once), the unique window decided by the
 * database, per-type limits that claim nothing of a saturated type, and the payload of an item's detail.
 */
class PostgresQueueFeaturesTest {

  private static final Postgres pg = Postgres.shared();
  private PgNodes nodes;
  private String database;

  @BeforeEach
  void database() {
    nodes = new PgNodes();
    database = nodes.database;
  }

  @AfterEach
  void stopAll() {
    nodes.close();
  }

  /** A host on a Vert.x of its own (a node) on this test's database. */
  private Host node(String node, Consumer<Host.Builder> configure) {
    return nodes.node(node, configure);
  }

  private long count(String where) throws Exception {
    try (Connection c = pg.connect(database); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM berth_items WHERE " + where)) {
      r.next();
      return r.getLong(1);
    }
  }

  private void sql(String statement) throws Exception {
    try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
      s.executeUpdate(statement);
    }
  }

  /** Waits until item {@code id} ended and its end is in the table (a node writes an end behind its status). */
  private ItemStatus finished(WorkQueue q, String id) {
    await().atMost(Duration.ofSeconds(10)).until(() -> await(q.find(id)).map(s -> s.state().isFinal()).orElse(false)
        && count("id = '" + id + "' AND state NOT IN ('queued', 'running')") == 1);
    return await(q.find(id)).orElseThrow();
  }

  // ---------------------------------------------------------------- retention

  @Test
  void twoNodesSweepingTogetherKeepExactlyTheNewestFinishedItemsAndTheDeadLetters() throws Exception {
    Consumer<Host.Builder> queue = b -> b.queue(new QueueOptions("q").capacity(5000).concurrency(4)
            .retention(Duration.ofDays(7), 50))
        .handler("noop", ctx -> { })
        .handler("fail", ctx -> {
          throw new NonRetryableException("no");
        });
    Host a = node("node-a", queue);
    node("node-b", queue);   // sweeps the same queue at its own times
    WorkQueue q = a.work().queue("q");
    List<Future<String>> sent = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {   // three delete batches past the count
      sent.add(q.enqueue("noop", new JsonObject().put("i", i)));
    }
    List<String> ids = new ArrayList<>();
    sent.forEach(f -> ids.add(await(f)));
    String dead = await(q.enqueue("fail", new JsonObject()));
    await().atMost(Duration.ofSeconds(30)).until(() -> count("state = 'succeeded'") + count("state = 'dead'") == 1501
        || count("state = 'succeeded'") <= 50 && count("state IN ('queued', 'running')") == 0);
    await().atMost(Duration.ofSeconds(15)).until(() -> count("state = 'succeeded'") == 50);
    // Both nodes swept: never below the count.
    await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> true);
    assertThat(count("state = 'succeeded'")).isEqualTo(50);
    assertThat(count("state = 'dead'")).isEqualTo(1);
    assertThat(await(q.dead(10))).extracting(ItemStatus::id).containsExactly(dead);
    // The newest by end: the first 1,200 admitted are gone (two nodes' workers and claim-ahead buffers end them
    // somewhat out of admission order).
    List<String> kept = await(q.list(ItemState.SUCCEEDED, null, 1000, null)).items().stream()
        .map(ItemStatus::id).toList();
    assertThat(kept).hasSize(50);
    assertThat(ids.subList(0, 1200)).doesNotContainAnyElementsOf(kept);
  }

  @Test
  void finishedItemsOlderThanTheRetentionTimeAreDeletedByTheDatabasesClockAndDeadLettersStay() throws Exception {
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").retention(Duration.ofDays(1), 10_000))
        .handler("noop", ctx -> { })
        .handler("fail", ctx -> {
          throw new NonRetryableException("no");
        }));
    WorkQueue q = a.work().queue("q");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(await(q.enqueue("noop", new JsonObject())));
    }
    String dead = await(q.enqueue("fail", new JsonObject()));
    await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 30
        && count("state = 'dead'") == 1);
    String cancelled = await(q.enqueue(new WorkItems.Request("noop", new JsonObject()).delay(Duration.ofHours(1))));
    await(q.cancel(cancelled));
    // Twenty of them, the cancelled one and the dead one ended two days ago (by the database's clock, which the
    // sweep reads): aged in the table, no clock to wait for.
    sql("UPDATE berth_items SET finished_at = finished_at - interval '2 days' WHERE seq IN (SELECT seq FROM"
        + " berth_items WHERE state = 'succeeded' ORDER BY seq LIMIT 20) OR state IN ('dead', 'cancelled')");
    await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 10);
    assertThat(count("state = 'cancelled'")).isZero();
    assertThat(count("state = 'dead'")).isEqualTo(1);
    // The listing reads the table (the status cache of this node still knows the recent ones).
    List<String> listed = await(q.list(ItemState.SUCCEEDED, null, 100, null)).items().stream().map(ItemStatus::id)
        .toList();
    assertThat(listed).containsExactlyInAnyOrderElementsOf(ids.subList(20, 30));
    assertThat(await(q.find(dead))).map(ItemStatus::state).contains(ItemState.DEAD);
  }

  @Test
  void theSweepDeletesInSmallBatchesWhileClaimsGoOn() throws Exception {
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").capacity(10_000).concurrency(4)
            .retention(Duration.ofDays(1), 100_000))
        .handler("noop", ctx -> { }));
    WorkQueue q = a.work().queue("q");
    // 5,000 finished rows two days old, written straight into the table.
    sql("INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at, enqueued_at, started_at,"
        + " finished_at) SELECT 'old-' || g, 'q', 'noop', '{}', 'succeeded', 1, now(), now(), now(),"
        + " now() - interval '2 days' FROM generate_series(1, 5000) g");
    List<Future<String>> sent = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sent.add(q.enqueue("noop", new JsonObject()));
    }
    sent.forEach(WorkTesting::await);
    await().atMost(Duration.ofSeconds(20)).until(() -> count("id LIKE 'old-%'") == 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 300);
  }

  // ---------------------------------------------------------------- unique window

  @Test
  void withinTheWindowAFinishedKeyReturnsTheFirstIdOnAnyNodeAndACancelledOneHoldsNothing() {
    Consumer<Host.Builder> queue = b -> b.queue(new QueueOptions("q").uniqueWindow(Duration.ofHours(1)))
        .handler("noop", ctx -> { });
    WorkQueue a = node("node-a", queue).work().queue("q");
    WorkQueue b = node("node-b", queue).work().queue("q");
    WorkItems.Request item = new WorkItems.Request("noop", null).key("invoice-7");
    Enqueued first = await(a.submit(item));
    assertThat(first.created()).isTrue();
    assertThat(finished(a, first.id()).state()).isEqualTo(ItemState.SUCCEEDED);
    assertThat(await(a.submit(item))).isEqualTo(new Enqueued(first.id(), false));
    assertThat(await(b.submit(item))).isEqualTo(new Enqueued(first.id(), false));
    WorkItems.Request other = new WorkItems.Request("noop", null).key("c").delay(Duration.ofHours(1));
    Enqueued c = await(a.submit(other));
    await(a.cancel(c.id()));
    Enqueued again = await(b.submit(other));
    assertThat(again.created()).isTrue();
    assertThat(again.id()).isNotEqualTo(c.id());
  }

  @Test
  void theWindowIsMeasuredAgainstTheStoredEndTime() throws Exception {
    WorkQueue q = node("node-a", b -> b.queue(new QueueOptions("q").uniqueWindow(Duration.ofMinutes(10)))
        .handler("noop", ctx -> { })).work().queue("q");
    WorkItems.Request item = new WorkItems.Request("noop", null).key("k");
    String first = await(q.submit(item)).id();
    finished(q, first);
    // It ended 11 minutes ago: outside the window, the key is free.
    sql("UPDATE berth_items SET finished_at = finished_at - interval '11 minutes' WHERE id = '" + first + "'");
    Enqueued second = await(q.submit(item));
    assertThat(second.created()).isTrue();
    assertThat(second.id()).isNotEqualTo(first);
    finished(q, second.id());
    // 9 minutes ago: inside it.
    sql("UPDATE berth_items SET finished_at = finished_at - interval '9 minutes' WHERE id = '" + second.id() + "'");
    assertThat(await(q.submit(item))).isEqualTo(new Enqueued(second.id(), false));
    assertThat(count("key = 'k'")).isEqualTo(1);
  }

  @Test
  void withoutAWindowAFinishedKeyIsFreeAgain() {
    WorkQueue q = node("node-a", b -> b.queue(new QueueOptions("q")).handler("noop", ctx -> { })).work().queue("q");
    WorkItems.Request item = new WorkItems.Request("noop", null).key("k");
    Enqueued first = await(q.submit(item));
    finished(q, first.id());
    Enqueued second = await(q.submit(item));
    assertThat(second.created()).isTrue();
    assertThat(second.id()).isNotEqualTo(first.id());
  }

  @Test
  void concurrentEnqueuesOnTwoNodesMakeExactlyOneItemWhetherTheKeyIsNewOrItsWindowJustPassed() throws Exception {
    Consumer<Host.Builder> queue = b -> b.queue(new QueueOptions("q").capacity(1000).concurrency(4)
            .uniqueWindow(Duration.ofMinutes(10)))
        .handler("t", ctx -> { });
    WorkQueue a = node("node-a", queue).work().queue("q");
    WorkQueue b = node("node-b", queue).work().queue("q");
    for (int r = 0; r < 2; r++) {
      int round = r;
      List<Future<Enqueued>> sent = new ArrayList<>();
      for (int k = 0; k < 20; k++) {
        WorkItems.Request item = new WorkItems.Request("t", new JsonObject()).key("key-" + k);
        for (int i = 0; i < 3; i++) {
          sent.add(a.submit(item));
          sent.add(b.submit(item));
        }
      }
      List<Enqueued> got = sent.stream().map(WorkTesting::await).toList();
      for (int k = 0; k < 20; k++) {
        List<Enqueued> ofKey = got.subList(k * 6, k * 6 + 6);
        assertThat(new HashSet<>(ofKey.stream().map(Enqueued::id).toList())).as("ids of key-" + k).hasSize(1);
        assertThat(ofKey.stream().filter(Enqueued::created).count()).as("created for key-" + k).isEqualTo(1);
      }
      assertThat(count("key IS NOT NULL")).isEqualTo(20);
      await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 20L * (round + 1));
      // Round two: every first item's window passed; the nodes race to let go of the key and insert again.
      sql("UPDATE berth_items SET finished_at = finished_at - interval '11 minutes'");
    }
    assertThat(count("true")).isEqualTo(40);
  }

  // ---------------------------------------------------------------- per-type limits

  @Test
  void aSaturatedSlowTypeIsNotClaimedAndTheFastOnesFlowPastIt() throws Exception {
    AtomicInteger slowNow = new AtomicInteger();
    AtomicInteger slowMax = new AtomicInteger();
    AtomicInteger slowDone = new AtomicInteger();
    AtomicInteger fastDone = new AtomicInteger();
    CountDownLatch gate = new CountDownLatch(1);
    Host a = node("node-a", b -> b
        .queue(new QueueOptions("q").concurrency(6).capacity(10_000).concurrency("slow", 2))
        .handler("slow", ctx -> {
          int n = slowNow.incrementAndGet();
          slowMax.accumulateAndGet(n, Math::max);
          try {
            gate.await(20, TimeUnit.SECONDS);   // held until the fast items all ran: they must pass it
          } finally {
            slowNow.decrementAndGet();
            slowDone.incrementAndGet();
          }
        })
        .handler("fast", ctx -> fastDone.incrementAndGet()));
    WorkQueue q = a.work().queue("q");
    List<Future<String>> sent = new ArrayList<>();
    // The slow items first: a FIFO claim would give them every worker and fill the claim-ahead buffer.
    for (int i = 0; i < 60; i++) {
      sent.add(q.enqueue("slow", new JsonObject()));
    }
    sent.forEach(WorkTesting::await);
    for (int i = 0; i < 500; i++) {
      sent.add(q.enqueue("fast", new JsonObject().put("n", i)));
    }
    sent.forEach(WorkTesting::await);
    AtomicInteger mostClaimed = new AtomicInteger();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      // What this node took of the slow type (running, or claimed ahead): no more than may start.
      mostClaimed.accumulateAndGet((int) count("type = 'slow' AND state = 'running'"), Math::max);
      return fastDone.get() == 500;
    });
    assertThat(slowDone.get()).as("slow items done while the fast ones ran").isZero();
    assertThat(slowNow.get()).isEqualTo(2);
    assertThat(mostClaimed.get()).as("slow rows claimed at once").isEqualTo(2);
    assertThat(count("type = 'slow' AND state = 'queued'")).isEqualTo(58);
    gate.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> slowDone.get() == 60);
    assertThat(slowMax.get()).as("most slow items running at once").isEqualTo(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 560);
  }

  @Test
  void aSaturatedTypeLeavesItsRowsForAnotherNodeThatHasRoom() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    java.util.Set<String> onB = java.util.concurrent.ConcurrentHashMap.newKeySet();
    WorkQueue qa = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(4).concurrency("slow", 1))
        .handler("slow", ctx -> gate.await(20, TimeUnit.SECONDS))).work().queue("q");
    String first = await(qa.enqueue("slow", new JsonObject()));
    await().atMost(Duration.ofSeconds(5)).until(() -> qa.status(first).map(ItemStatus::state).orElse(null)
        == ItemState.RUNNING);
    List<String> more = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      more.add(await(qa.enqueue("slow", new JsonObject())));
    }
    // B has room for the type: it runs what A may not start, while A's one slot is taken.
    node("node-b", b -> b.queue(new QueueOptions("q").concurrency(4).concurrency("slow", 3))
        .handler("slow", ctx -> {
          onB.add(ctx.id());
        }));
    // A claimed none of them ahead (it could not start them): all three ran on B while A's one slot stayed taken.
    await().atMost(Duration.ofSeconds(10)).until(() -> onB.size() == 3);
    assertThat(onB).containsExactlyInAnyOrderElementsOf(more);
    assertThat(qa.status(first).map(ItemStatus::state)).contains(ItemState.RUNNING);
    gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> count("state = 'succeeded'") == 4);
  }

  // ---------------------------------------------------------------- migration

  @Test
  void aSchemaV1DatabaseIsMigratedAndItsFinishedKeysNoLongerHold() throws Exception {
    // What schema 1 wrote (frozen here), with a queued keyed item and two finished ones that share a key.
    try (Connection c = pg.connect(database); Statement s = c.createStatement()) {
      s.execute("SET ROLE " + Postgres.USER);
      s.execute("CREATE TABLE berth_schema (version integer NOT NULL)");
      s.execute("INSERT INTO berth_schema VALUES (1)");
      s.execute("CREATE TABLE berth_items (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL"
          + " UNIQUE, queue text NOT NULL, type text NOT NULL, payload text NOT NULL, state text NOT NULL, attempts"
          + " integer NOT NULL DEFAULT 0, run_at timestamptz NOT NULL, enqueued_at timestamptz NOT NULL, started_at"
          + " timestamptz, finished_at timestamptz, error text, errors text, key text, lease_owner text, lease_until"
          + " timestamptz, node text)");
      s.execute("CREATE INDEX berth_items_due ON berth_items (queue, run_at, seq) WHERE state = 'queued'");
      s.execute("CREATE UNIQUE INDEX berth_items_key ON berth_items (queue, key) WHERE key IS NOT NULL"
          + " AND state IN ('queued', 'running')");
      s.execute("CREATE INDEX berth_items_list ON berth_items (queue, seq)");
      s.execute("CREATE INDEX berth_items_dead ON berth_items (queue, seq) WHERE state = 'dead'");
      s.execute("CREATE INDEX berth_items_lease ON berth_items (lease_until) WHERE state = 'running'");
      s.execute("CREATE TABLE berth_queues (name text PRIMARY KEY, paused boolean NOT NULL DEFAULT false)");
      s.execute("CREATE TABLE berth_timed (service text PRIMARY KEY, last_run_at timestamptz, next_run_at"
          + " timestamptz, paused boolean NOT NULL DEFAULT false)");
      s.execute("INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at, enqueued_at,"
          + " finished_at, key) VALUES ('old-1', 'q', 't', '{}', 'succeeded', 1, now(), now(), now(), 'k'),"
          + " ('old-2', 'q', 't', '{}', 'succeeded', 1, now(), now(), now(), 'k'),"
          + " ('held', 'q', 't', '{}', 'queued', 0, now() + interval '1 hour', now(), null, 'h')");
    }
    WorkQueue q = node("node-a", b -> b.queue(new QueueOptions("q").uniqueWindow(Duration.ofHours(1)))
        .handler("t", ctx -> { })).work().queue("q");
    try (Connection c = pg.connect(database); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT max(version) FROM berth_schema")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(PostgresDatabase.SCHEMA_VERSION);
    }
    assertThat(count("key = 'k'")).isZero();   // schema 1 did not hold keys past the end
    assertThat(await(q.submit(new WorkItems.Request("t", null).key("h")))).isEqualTo(new Enqueued("held", false));
    assertThat(await(q.submit(new WorkItems.Request("t", null).key("k"))).created()).isTrue();
  }

  // ---------------------------------------------------------------- payload

  @Test
  void theDetailReadsThePayloadAsStored() {
    CountDownLatch gate = new CountDownLatch(1);
    WorkQueue q = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(1))
        .handler("t", ctx -> gate.await(10, TimeUnit.SECONDS))).work().queue("q");
    String id = await(q.enqueue("t", new JsonObject().put("invoice", 7).put("lines", new io.vertx.core.json.JsonArray()
        .add("a").add("b"))));
    assertThat(q.store()).isInstanceOf(PostgresItemStore.class);
    assertThat(await(q.store().payload(id))).contains(new JsonObject().put("invoice", 7).put("lines",
        new io.vertx.core.json.JsonArray().add("a").add("b")));
    gate.countDown();
    assertThat(await(q.store().payload("no-such-item"))).isEmpty();
  }
}
