package io.berth.work;

import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The PostgreSQL store against a real server (one embedded server for every test class, a fresh database per test):
 * items run and end as on SQLite, and several hosts on one database share the work: an item enqueued on one node runs
 * on another, a dead node's leases expire, a stopping node hands its items back, a pause holds on every node.
 */
class PostgresStoreTest {

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

  private Host node(String node, JsonObject store, Consumer<Host.Builder> configure) {
    return nodes.node(node, store, configure);
  }

  private Host node(String node, Consumer<Host.Builder> configure) {
    return nodes.node(node, configure);
  }

  private static String enqueue(WorkQueue q, int i) {
    return await(q.enqueue("t", new JsonObject().put("i", i)));
  }

  private ItemStatus stored(WorkQueue q, String id) {
    return await(q.find(id)).orElseThrow();
  }

  @Test
  void acceptedItemsRunToSucceededAndTheirStatusNamesTheNode() {
    Set<String> ran = ConcurrentHashMap.newKeySet();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(4))
        .handler("t", ctx -> {
          ran.add(ctx.id());
        }));
    WorkQueue q = a.work().queue("q");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add(enqueue(q, i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 50);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream()
        .allMatch(id -> stored(q, id).state() == ItemState.SUCCEEDED));
    ItemStatus s = stored(q, ids.get(0));
    assertThat(s.attempts()).isEqualTo(1);
    assertThat(s.node()).isEqualTo("node-a");
    assertThat(s.toJson().getString("node")).isEqualTo("node-a");
    assertThat(s.startedAt()).isNotNull();
    assertThat(s.finishedAt()).isNotNull();
    assertThat(q.stats().succeeded()).isEqualTo(50);
    // The per-node counts come from the table with the shared counts, every few seconds.
    await().atMost(Duration.ofSeconds(15)).until(() -> q.perNode().getOrDefault("node-a", Map.of())
        .getOrDefault("succeeded", 0L) == 50L);
  }

  @Test
  void failingItemsRetryThenDieAndAReviveRunsThemAgain() {
    AtomicInteger calls = new AtomicInteger();
    Set<String> healed = ConcurrentHashMap.newKeySet();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(2)
            .retry(new RetryOptions().maxAttempts(3).backoff(Duration.ofMillis(20), Duration.ofMillis(40))))
        .handler("t", ctx -> {
          calls.incrementAndGet();
          if (!healed.contains(ctx.id())) {
            throw new IllegalStateException("broken " + ctx.attempt());
          }
        }));
    WorkQueue q = a.work().queue("q");
    String id = enqueue(q, 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(q, id).state() == ItemState.DEAD);
    ItemStatus dead = stored(q, id);
    assertThat(dead.attempts()).isEqualTo(3);
    assertThat(dead.errors()).containsExactly("IllegalStateException: broken 1", "IllegalStateException: broken 2",
        "IllegalStateException: broken 3");
    assertThat(calls.get()).isEqualTo(3);
    assertThat(await(q.dead(10))).extracting(ItemStatus::id).containsExactly(id);

    healed.add(id);
    assertThat(await(q.retry(id))).contains(ItemState.DEAD);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(q, id).state() == ItemState.SUCCEEDED);
    assertThat(stored(q, id).attempts()).isEqualTo(1);
    assertThat(await(q.dead(10))).isEmpty();
    assertThat(await(q.retry(id))).contains(ItemState.SUCCEEDED);   // not dead: nothing done
    assertThat(await(q.retry("no-such-item"))).isEmpty();
  }

  @Test
  void aUniqueKeyMakesOneItemEvenForConcurrentEnqueuesOnTwoNodes() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Consumer<Host.Builder> queue = b -> b.queue(new QueueOptions("q").concurrency(1))
        .handler("t", ctx -> release.await());
    WorkQueue a = node("node-a", queue).work().queue("q");
    WorkQueue b = node("node-b", queue).work().queue("q");
    for (int round = 0; round < 5; round++) {
      String key = "key-" + round;
      var fa = a.submit(new WorkItems.Request("t", new JsonObject()).key(key));
      var fb = b.submit(new WorkItems.Request("t", new JsonObject()).key(key));
      var fa2 = a.submit(new WorkItems.Request("t", new JsonObject()).key(key));
      Enqueued ea = await(fa);
      Enqueued eb = await(fb);
      Enqueued ea2 = await(fa2);
      assertThat(new HashSet<>(List.of(ea.id(), eb.id(), ea2.id()))).hasSize(1);
      assertThat(List.of(ea.created(), eb.created(), ea2.created())).containsOnlyOnce(true);
    }
    try (Connection c = pg.connect(database); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM berth_items")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(5);
    }
    release.countDown();
  }

  @Test
  void aQueuedOrDelayedItemIsCancelled() {
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(1)).handler("t", ctx -> { }));
    WorkQueue q = a.work().queue("q");
    String later = await(q.enqueue(new WorkItems.Request("t", new JsonObject()).delay(Duration.ofHours(1))));
    assertThat(stored(q, later).state()).isEqualTo(ItemState.QUEUED);
    assertThat(await(q.cancel(later))).contains(ItemState.QUEUED);
    ItemStatus s = stored(q, later);
    assertThat(s.state()).isEqualTo(ItemState.CANCELLED);
    assertThat(s.error()).isEqualTo(ItemStore.CANCELLED_BY_REQUEST);
    assertThat(await(q.cancel(later))).contains(ItemState.CANCELLED);
    assertThat(await(q.cancel("nothing"))).isEmpty();
  }

  @Test
  void listingsPageNewestFirstWithAStableCursor() {
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(1)).handler("t", ctx -> { }));
    WorkQueue q = a.work().queue("q");
    await(q.pause());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(enqueue(q, i));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      WorkQueue.Page page = await(q.list(ItemState.QUEUED, "t", 10, cursor));
      page.items().forEach(s -> seen.add(s.id()));
      cursor = page.next();
      pages++;
      enqueue(q, 100 + pages);   // newer items do not shift the pages already cut
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    List<String> newestFirst = new ArrayList<>(ids);
    java.util.Collections.reverse(newestFirst);
    assertThat(seen).isEqualTo(newestFirst);
    assertThat(await(q.list(ItemState.SUCCEEDED, null, 10, null)).items()).isEmpty();
    assertThat(failure(q.list(null, null, 10, "not-a-cursor"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anItemEnqueuedOnOneNodeRunsOnAnotherAndAPauseHoldsOnEveryNode() {
    Map<String, String> ranOn = new ConcurrentHashMap<>();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(2))
        .handler("t", ctx -> {
          ranOn.put(ctx.id(), "node-a");
        }));
    WorkQueue qa = a.work().queue("q");
    await(qa.pause());   // A starts nothing: its items can only run on B
    Host b = node("node-b", x -> x.queue(new QueueOptions("q").concurrency(2))
        .handler("t", ctx -> {
          ranOn.put(ctx.id(), "node-b");
        }));
    // The pause is the queue's, shared: B starts nothing either, and says so.
    assertThat(b.work().queue("q").paused()).isTrue();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(enqueue(qa, i));
    }
    await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(ranOn).isEmpty();
    // B resumes the queue: both may run, and A sees the resume at its next read of the shared state.
    await(b.work().queue("q").resume());
    await().atMost(Duration.ofSeconds(15)).until(() -> !qa.paused());
    await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == 20);
    await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream()
        .allMatch(id -> stored(qa, id).state() == ItemState.SUCCEEDED));
    assertThat(ranOn.values()).contains("node-b");
    for (String id : ids) {
      assertThat(stored(qa, id).node()).isEqualTo(ranOn.get(id));
    }
  }

  @Test
  void capacityBoundsTheSharedBacklogAndItemsEndingOnAnotherNodeFreeIt() {
    Map<String, String> ranOn = new ConcurrentHashMap<>();
    QueueOptions options = new QueueOptions("q").capacity(10).fullMode(FullMode.REJECT).concurrency(2);
    Host a = node("node-a", b -> b.queue(options).handler("t", ctx -> {
      ranOn.put(ctx.id(), "node-a");
    }));
    WorkQueue qa = a.work().queue("q");
    await(qa.pause());
    for (int i = 0; i < 10; i++) {
      enqueue(qa, i);
    }
    assertThat(failure(qa.enqueue("t", new JsonObject()))).isInstanceOf(WorkException.class)
        .hasMessageContaining("full");
    // B counts the same backlog from the table: the queue is full there too.
    Host b = node("node-b", x -> x.queue(new QueueOptions("q").capacity(10).fullMode(FullMode.REJECT)
        .concurrency(2)).handler("t", ctx -> {
          ranOn.put(ctx.id(), "node-b");
        }));
    WorkQueue qb = b.work().queue("q");
    assertThat(failure(qb.enqueue("t", new JsonObject()))).isInstanceOf(WorkException.class)
        .hasMessageContaining("full");
    // The items run (on either node); A, whose admissions they were, has room again once they ended anywhere.
    await(qb.resume());
    await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == 10);
    await().atMost(Duration.ofSeconds(15)).until(() -> qa.enqueue("t", new JsonObject()).transform(ar ->
        io.vertx.core.Future.succeededFuture(ar.succeeded())).toCompletionStage().toCompletableFuture().get());
  }

  @Test
  void itemsEnqueuedOnABusyNodeRunOnTheIdleOne() throws Exception {
    CountDownLatch busy = new CountDownLatch(1);
    Map<String, String> ranOn = new ConcurrentHashMap<>();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(1))
        .handler("block", ctx -> busy.await())
        .handler("t", ctx -> {
          ranOn.put(ctx.id(), "node-a");
        }));
    WorkQueue qa = a.work().queue("q");
    String blocker = await(qa.enqueue("block", new JsonObject()));
    await().atMost(Duration.ofSeconds(5)).until(() -> qa.status(blocker).map(s -> s.state() == ItemState.RUNNING)
        .orElse(false));
    Host b = node("node-b", x -> x.queue(new QueueOptions("q").concurrency(4))
        .handler("t", ctx -> {
          ranOn.put(ctx.id(), "node-b");
        }));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(enqueue(qa, i));
    }
    // A's claim-ahead buffer may hold some; B runs the rest while A's one worker is blocked.
    await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.values().stream().filter("node-b"::equals).count() > 0);
    busy.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> ranOn.size() == 10);
    WorkQueue qb = b.work().queue("q");
    for (String id : ids) {
      await().atMost(Duration.ofSeconds(5)).until(() -> stored(qb, id).state() == ItemState.SUCCEEDED);
      assertThat(stored(qb, id).node()).isEqualTo(ranOn.get(id));
    }
  }

  @Test
  void theItemsOfANodeWhoseLeaseExpiredRunElsewhereWithTheNextAttempt() throws Exception {
    Map<String, Integer> attempts = new ConcurrentHashMap<>();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(2))
        .handler("t", ctx -> {
          attempts.put(ctx.id(), ctx.attempt());
        }));
    WorkQueue q = a.work().queue("q");
    // What a node killed with -9 leaves: rows it claimed (attempt 1 counted), leased to it, the lease running out.
    try (Connection c = pg.connect(database); PreparedStatement s = c.prepareStatement("INSERT INTO berth_items"
        + " (id, queue, type, payload, state, attempts, run_at, enqueued_at, lease_owner, lease_until, node)"
        + " VALUES (?, 'q', 't', '{}', 'running', 1, now(), now(), 'dead-node', now() + interval '1 second',"
        + " 'dead-node')")) {
      for (int i = 0; i < 3; i++) {
        s.setString(1, "killed-" + i);
        s.executeUpdate();
      }
    }
    await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
    assertThat(attempts).isEmpty();   // leased: not before the lease ends
    await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 3);
    assertThat(attempts.values()).containsOnly(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> stored(q, "killed-0").state() == ItemState.SUCCEEDED);
    assertThat(stored(q, "killed-0").node()).isEqualTo("node-a");
  }

  @Test
  void aLongRunKeepsItsLeaseAndRunsOnce() {
    AtomicInteger runs = new AtomicInteger();
    JsonObject store = PgNodes.storeConfig(pg.url(database)).put("leaseTime", "1s");
    Consumer<Host.Builder> queue = b -> b.queue(new QueueOptions("q").concurrency(1))
        .handler("t", ctx -> {
          runs.incrementAndGet();
          ctx.token().sleep(Duration.ofSeconds(3));   // three lease times
        });
    Host a = node("node-a", store, queue);
    node("node-b", store, queue);
    String id = enqueue(a.work().queue("q"), 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> stored(a.work().queue("q"), id).state()
        == ItemState.SUCCEEDED);
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void aCleanStopHandsItsItemsBackAtOnceWithoutCountingTheAttempt() {
    Map<String, Integer> attemptsOnB = new ConcurrentHashMap<>();
    Host a = node("node-a", b -> b.queue(new QueueOptions("q").concurrency(1))
        .handler("t", ctx -> {
          if (ctx.payload().getInteger("i") == 0) {
            // Interrupted by the stop: cooperative.
            ctx.token().sleep(Duration.ofMinutes(1));
            ctx.token().throwIfCancellationRequested();
          }
        }));
    WorkQueue qa = a.work().queue("q");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(enqueue(qa, i));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> qa.status(ids.get(0)).map(s -> s.state() == ItemState.RUNNING)
        .orElse(false));
    // A long lease: only the hand-back can give B these items within the test.
    JsonObject store = PgNodes.storeConfig(pg.url(database)).put("leaseTime", "1h");
    Host b = node("node-b", store, x -> x.queue(new QueueOptions("q").concurrency(4))
        .handler("t", ctx -> {
          attemptsOnB.put(ctx.id(), ctx.attempt());
        }));
    await(b.work().queue("q").pause());
    await(a.stop());
    await(b.work().queue("q").resume());
    WorkQueue qb = b.work().queue("q");
    await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream()
        .allMatch(id -> stored(qb, id).state() == ItemState.SUCCEEDED));
    assertThat(attemptsOnB).containsKey(ids.get(0));
    assertThat(attemptsOnB.get(ids.get(0))).isEqualTo(1);   // the interrupted attempt did not count
    for (String id : ids) {
      ItemStatus s = stored(qb, id);
      assertThat(s.attempts()).isEqualTo(1);
    }
    assertThat(new HashSet<>(attemptsOnB.values())).containsOnly(1);
  }
}
