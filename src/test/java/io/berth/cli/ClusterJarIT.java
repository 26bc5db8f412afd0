package io.berth.cli;

import io.berth.testing.Postgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two real Berth processes ({@code java -jar target/berth.jar}, twice) in one Hazelcast cluster sharing one
 * PostgreSQL store: an item enqueued on one node runs on the other; kill -9 of the node that holds the
 * {@code ticker} singleton while it runs items makes the survivor take the singleton within the lease's bound and
 * run the killed node's items again, and no item that got a 202 is lost.
 *
 * <p>The two nodes are started once for the class (forming a cluster of two JVMs takes seconds on a loaded
 * machine); the kill test runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterJarIT {

  /** The singleton lease's defaults ({@code cluster.singletons.ttl}, {@code renewInterval}), left as they are. */
  private static final Duration TTL = Duration.ofSeconds(5);
  private static final Duration RENEW = Duration.ofSeconds(1);
  /** Polling the survivor and a loaded machine: what the measured takeover may exceed the bound by. */
  private static final Duration MARGIN = Duration.ofSeconds(3);
  /** {@code store.leaseTime} and {@code store.pollInterval}: a killed node's items run elsewhere within their sum. */
  private static final Duration ITEM_LEASE = Duration.ofSeconds(3);
  private static final Duration POLL = Duration.ofMillis(500);
  /** Where {@code store.password} comes from ({@code ${...}}); not BERTH_*: each of those must name a config key. */
  private static final String PASSWORD_VARIABLE = "CLUSTER_IT_PG_PASSWORD";

  @TempDir
  static Path dir;

  private Postgres pg;
  private String database;
  private JarNode a;
  private JarNode b;
  private long formationMs;
  /** Each node's config, to start a node again in its own folder. */
  private final Map<String, JsonObject> configs = new LinkedHashMap<>();
  private final Map<String, String> env = Map.of(PASSWORD_VARIABLE, Postgres.PASSWORD);

  @BeforeAll
  void startTwoNodes() throws Exception {
    pg = Postgres.shared();
    database = pg.database();
    String cluster = "berth-it-" + UUID.randomUUID();
    int[] ports = JarNode.freePorts(2);
    List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
    long t0 = System.nanoTime();
    // Node a runs one item of queue 'remote' at a time, node b four: see anItemEnqueuedOnOneNodeRunsOnTheOther.
    configs.put("a", config(cluster, members, ports[0], 1));
    configs.put("b", config(cluster, members, ports[1], 4));
    a = JarNode.start("a", dir.resolve("a"), configs.get("a"), env);
    b = JarNode.start("b", dir.resolve("b"), configs.get("b"), env);
    within(Duration.ofSeconds(60), "both nodes ready", this::noState,
        () -> !a.process.isAlive() || !b.process.isAlive() || a.ready() && b.ready());
    if (!a.process.isAlive() || !b.process.isAlive()) {
      throw new AssertionError("a node exited while starting\n" + a.tail(40) + "\n" + b.tail(40));
    }
    within(Duration.ofSeconds(60), "/api/v1/nodes on each node lists 2 nodes", this::nodeLists,
        () -> a.nodes().size() == 2 && b.nodes().size() == 2);
    formationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    System.out.printf("cluster of 2 jar processes formed in %d ms (start to both /api/v1/nodes listing 2):%n%s%n",
        formationMs, nodeLists());
    assertThat(Set.of(a.id(), b.id())).as("two distinct node ids").hasSize(2);
  }

  @AfterAll
  void stopNodes() throws InterruptedException {
    List<String> problems = new ArrayList<>();
    for (JarNode n : new JarNode[] {a, b}) {
      if (n != null && n.process.isAlive()) {
        n.stop();   // SIGTERM: a clustered node leaves and stops cleanly
        if (n.process.exitValue() != 0) {
          problems.add("node " + n.name + " exited " + n.process.exitValue() + " on SIGTERM\n" + n.tail(40));
        }
      }
    }
    for (JarNode n : new JarNode[] {a, b}) {
      if (n != null && String.join("\n", n.lines).contains(Postgres.PASSWORD)) {
        problems.add("node " + n.name + "'s output shows the store password");
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  @Order(1)
  void anItemEnqueuedOnOneNodeRunsOnTheOther() throws Exception {
    // Node a has one worker for 'remote'; each item takes 1.5 s. What a claimed ahead and could not start within
    // a poll interval goes back to the shared table, and node b (four workers, woken by the publish) runs it.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = a.enqueue("remote", "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":1500}}");
      assertThat(r.statusCode()).as("enqueue on a: %s", r.body()).isEqualTo(202);
      ids.add(new JsonObject(r.body()).getString("id"));
    }
    // Both nodes answer each item's status from the one shared store: the node that ran it and the one that
    // accepted it (and may have claimed it ahead and handed it back) must both say succeeded.
    Map<String, JsonObject> finals = new TreeMap<>();
    within(Duration.ofSeconds(30), "a and b both answer succeeded for the 6 items enqueued on a",
        () -> "succeeded on both " + finals.keySet() + "; rows " + rows(ids) + "; a says " + statuses(a, "remote", ids)
            + "; b says " + statuses(b, "remote", ids),
        () -> {
          for (String id : ids) {
            if (!finals.containsKey(id)) {
              JsonObject onA = a.status("remote", id);
              JsonObject onB = b.status("remote", id);
              if ("succeeded".equals(onA.getString("status")) && "succeeded".equals(onB.getString("status"))
                  && onB.getString("node") != null && onB.getString("node").equals(onA.getString("node"))) {
                finals.put(id, onB);
              }
            }
          }
          return finals.size() == ids.size();
        });
    Map<String, Integer> ranOn = new TreeMap<>();
    finals.values().forEach(s -> ranOn.merge(name(s.getString("node")), 1, Integer::sum));
    System.out.printf("6 items enqueued on node a ran on: %s%n", ranOn);
    assertThat(ranOn.keySet()).as("the node of each item (a = %s, b = %s): %s", a.id(), b.id(), finals.values())
        .contains("b").isSubsetOf("a", "b");
    for (JsonObject s : finals.values()) {
      assertThat(s.getInteger("attempts")).as("attempts of %s", s).isEqualTo(1);
    }
  }

  @Test
  @Order(2)
  void killNineOfTheSingletonHolderWhileItRunsItemsLosesNothingAndTheOtherNodeTakesOver() throws Exception {
    Map<String, List<String>> held = new LinkedHashMap<>();
    within(Duration.ofSeconds(20), "one node holds the ticker singleton", this::nodeLists, () -> {
      held.clear();
      for (JarNode n : List.of(a, b)) {
        held.put(n.name, n.singletonsHeld());
      }
      return held.values().stream().filter(s -> s.contains("ticker")).count() == 1;
    });
    JarNode victim = held.get("a").contains("ticker") ? a : b;
    JarNode survivor = victim == a ? b : a;
    String victimId = victim.id();
    assertThat(service(survivor, "ticker").getString("state")).as("ticker on the node that does not hold it")
        .isEqualTo("standby");
    within(Duration.ofSeconds(10), "the holder runs the ticker", () -> victim.tail(20),
        () -> victim.count("Ticker is working") > 0);
    assertThat(survivor.count("Ticker is working")).as("ticker runs on the standby node").isZero();

    // Steady load on both nodes; every 202 is counted with its id.
    AtomicBoolean load = new AtomicBoolean(true);
    Map<String, Set<String>> accepted = Map.of("a", Collections.synchronizedSet(new HashSet<>()),
        "b", Collections.synchronizedSet(new HashSet<>()));
    Map<String, AtomicInteger> refused = Map.of("a", new AtomicInteger(), "b", new AtomicInteger());
    List<Thread> producers = new ArrayList<>();
    for (JarNode n : List.of(a, b)) {
      Thread t = new Thread(() -> produce(n, load, accepted.get(n.name), refused.get(n.name)), "produce-" + n.name);
      t.start();
      producers.add(t);
    }
    Callable<String> counts = () -> "accepted a=" + accepted.get("a").size() + " b=" + accepted.get("b").size()
        + ", refused or failed a=" + refused.get("a") + " b=" + refused.get("b");
    within(Duration.ofSeconds(20), "load accepted on both nodes and the holder runs items", counts, () ->
        accepted.get("a").size() >= 15 && accepted.get("b").size() >= 15 && inFlight(victim, "default") >= 2);

    int survivorLinesAtKill = survivor.lines.size();
    long killed = System.nanoTime();
    victim.process.destroyForcibly();   // SIGKILL while it runs items and holds the singleton
    List<String[]> stranded = leasedTo(victimId);   // id, attempts: what the killed node held, as the kill left it
    assertThat(victim.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(stranded).as("rows running on (or claimed by) the killed node at the kill").isNotEmpty();

    // The survivor sees the node leave and takes the singleton within ttl + renewInterval (+ margin).
    long[] left = {-1};
    long bound = TTL.plus(RENEW).plus(MARGIN).toMillis();
    within(Duration.ofMillis(bound + 5_000), "the survivor holds the ticker singleton", this::nodeLists, () -> {
      if (left[0] < 0 && survivor.nodes().size() == 1) {
        left[0] = System.nanoTime();
      }
      return survivor.singletonsHeld().contains("ticker");
    });
    long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
    long leftMs = left[0] < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(left[0] - killed);
    assertThat(failoverMs).as("kill -9 to the survivor holding 'ticker' (bound ttl %s + renew %s + margin %s)",
        TTL, RENEW, MARGIN).isLessThanOrEqualTo(bound);
    within(Duration.ofSeconds(5), "the survivor runs the ticker", () -> survivor.tail(20),
        () -> survivor.count("Ticker is working") > 0);
    assertThat(service(survivor, "ticker").getString("state")).isEqualTo("running");

    // A little more load on the survivor alone, then every accepted item must end succeeded.
    int beforeMore = accepted.get(survivor.name).size();
    within(Duration.ofSeconds(10), "more items accepted by the survivor", counts,
        () -> accepted.get(survivor.name).size() >= beforeMore + 5);
    load.set(false);
    for (Thread t : producers) {
      t.join(10_000);
    }
    Set<String> all = new HashSet<>(accepted.get("a"));
    all.addAll(accepted.get("b"));
    Map<String, JsonObject> finals = new TreeMap<>();
    long drainFrom = System.nanoTime();
    within(Duration.ofSeconds(40), "every accepted item succeeded",
        () -> counts.call() + "; succeeded " + finals.size() + " of " + all.size(), () -> {
          for (String id : all) {
            if (!finals.containsKey(id)) {
              JsonObject s = survivor.status("default", id);
              if ("succeeded".equals(s.getString("status"))) {
                finals.put(id, s);
              }
            }
          }
          return finals.size() == all.size();
        });
    long drainMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainFrom);

    // A peer's loss is an expected condition: concise lines, never a stack trace (Vert.x's event bus and Hazelcast
    // would log connection refusals to the dead node with theirs).
    List<String> afterKill = List.copyOf(survivor.lines).subList(survivorLinesAtKill, survivor.lines.size());
    System.out.println("---- survivor " + survivor.name + " after the kill -9 of " + victim.name + " ----\n"
        + String.join("\n", afterKill));
    assertThat(JarNode.stackTraceLines(afterKill))
        .as("stack-trace lines in the survivor's output after the kill").isEmpty();
    assertThat(afterKill.stream().filter(l -> l.contains("left the cluster") && l.contains(victimId)).count())
        .as("the line that says the peer left").isEqualTo(1);
    assertThat(afterKill.stream().filter(l -> l.contains("Connecting to server " + victimId)).count())
        .as("lines of the event bus failing to reach the dead peer").isLessThanOrEqualTo(1);
    assertThat(afterKill.stream().filter(l -> l.contains("TcpServerConnectionErrorHandler")
        || l.contains("Following unknown addresses") || l.contains("Not Member!")).toList())
        .as("Hazelcast's repeats of the peer's loss").isEmpty();

    String survivorId = survivor.id();
    for (String[] row : stranded) {
      JsonObject s = finals.get(row[0]);
      assertThat(s).as("item %s left running by the killed node was accepted", row[0]).isNotNull();
      assertThat(s.getInteger("attempts")).as("attempts of %s, left running by the killed node", s)
          .isGreaterThanOrEqualTo(2);
      assertThat(s.getString("node")).as("node of %s", s).isEqualTo(survivorId);
    }
    long rerun = finals.values().stream().filter(s -> s.getInteger("attempts") >= 2).count();
    Map<String, Integer> ranOn = new TreeMap<>();
    finals.values().forEach(s -> ranOn.merge(name(s.getString("node")), 1, Integer::sum));
    System.out.printf("kill -9 of node %s (ticker holder): %d item(s) accepted (%s), all succeeded (%d ms after the"
            + " load stopped); %d were leased to the killed node at the kill, %d ran again (attempts >= 2); last"
            + " attempts ran on %s; the survivor saw the node leave after %d ms and held 'ticker' after %d ms"
            + " (bound %d ms); cluster formation took %d ms%n",
        victim.name, all.size(), counts.call(), drainMs, stranded.size(), rerun, ranOn, leftMs, failoverMs, bound,
        formationMs);
  }

  @Test
  @Order(3)
  void aNodeStoppedWithSigtermHandsItsRunningItemsBackAtOnceWithTheAttemptNotCounted() throws Exception {
    long rejoinMs = -1;
    if (!a.process.isAlive() || !b.process.isAlive()) {
      // The node killed by the previous test starts again in its folder and rejoins.
      long t0 = System.nanoTime();
      if (!a.process.isAlive()) {
        a = JarNode.start("a", dir.resolve("a"), configs.get("a"), env);
      } else {
        b = JarNode.start("b", dir.resolve("b"), configs.get("b"), env);
      }
      within(Duration.ofSeconds(60), "the restarted node is ready and both list 2 nodes", this::nodeLists,
          () -> a.ready() && b.ready() && a.nodes().size() == 2 && b.nodes().size() == 2);
      rejoinMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }
    JarNode leaving = b;
    JarNode staying = a;
    String leavingId = leaving.id();
    String stayingId = staying.id();
    // 6 s items: longer than shutdownTimeout (3 s), so those running at the SIGTERM are cut short by the stop.
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = staying.enqueue("default", "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":6000}}");
      assertThat(r.statusCode()).as("enqueue: %s", r.body()).isEqualTo(202);
      ids.add(new JsonObject(r.body()).getString("id"));
    }
    within(Duration.ofSeconds(15), "node " + leaving.name + " runs some of the items", () -> rows(ids),
        () -> inFlight(leaving, "default") >= 1);
    List<String[]> held = leasedTo(leavingId);
    long t0 = System.nanoTime();
    leaving.process.destroy();   // SIGTERM
    assertThat(leaving.process.waitFor(20, TimeUnit.SECONDS)).as("node %s stops on SIGTERM", leaving.name).isTrue();
    long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(leaving.process.exitValue()).as("exit code of %s on SIGTERM\n%s", leaving.name, leaving.tail(40))
        .isZero();
    assertThat(held).as("rows node %s held at the SIGTERM", leaving.name).isNotEmpty();

    Map<String, JsonObject> finals = new TreeMap<>();
    within(Duration.ofSeconds(40), "the 6 items succeed", () -> "succeeded " + finals.keySet() + "; rows " + rows(ids),
        () -> {
          for (String id : ids) {
            if (!finals.containsKey(id)) {
              JsonObject s = staying.status("default", id);
              if ("succeeded".equals(s.getString("status"))) {
                finals.put(id, s);
              }
            }
          }
          return finals.size() == ids.size();
        });
    int handedBack = 0;
    for (String[] row : held) {
      JsonObject s = finals.get(row[0]);
      if (s == null) {
        continue;   // an item of the previous test that this node held: not this test's
      }
      // Handed back by the stop, not taken over after the lease expired: the cut attempt is not counted.
      assertThat(s.getInteger("attempts")).as("attempts of %s, held by the stopped node", s).isEqualTo(1);
      if (stayingId.equals(s.getString("node"))) {
        handedBack++;
      }
    }
    assertThat(handedBack).as("items the stopped node held that ran on %s instead: %s", staying.name, finals.values())
        .isPositive();
    System.out.printf("SIGTERM of node %s while it held %d item(s): stopped with exit 0 in %d ms; %d ran again on %s"
            + " with the attempt not counted; the restarted node rejoined in %d ms%n",
        leaving.name, held.size(), stopMs, handedBack, staying.name, rejoinMs);
  }

  /** Enqueues a 200–500 ms item every 60–90 ms on {@code n} until {@code load} ends; records each 202's id. */
  private static void produce(JarNode n, AtomicBoolean load, Set<String> accepted, AtomicInteger refused) {
    long next = System.nanoTime();
    while (load.get() && n.process.isAlive()) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      String body = "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":" + random.nextInt(200, 501) + "}}";
      try {
        HttpResponse<String> r = n.enqueue("default", body);
        if (r.statusCode() == 202) {
          accepted.add(new JsonObject(r.body()).getString("id"));
        } else {
          refused.incrementAndGet();
        }
      } catch (IOException e) {
        refused.incrementAndGet();   // killed mid-request: not accepted
      } catch (InterruptedException e) {
        return;
      }
      next += TimeUnit.MILLISECONDS.toNanos(random.nextInt(60, 91));
      LockSupport.parkNanos(next - System.nanoTime());   // pacing, not synchronisation
    }
  }

  /** The rows (id, attempts) that node {@code nodeId} holds a lease on: running or claimed ahead. */
  private List<String[]> leasedTo(String nodeId) throws Exception {
    List<String[]> rows = new ArrayList<>();
    try (Connection c = pg.connect(database);
         PreparedStatement s = c.prepareStatement("SELECT id, attempts FROM berth_items"
             + " WHERE state = 'running' AND lease_owner = ?")) {
      s.setString(1, nodeId);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(new String[] {r.getString(1), String.valueOf(r.getInt(2))});
        }
      }
    }
    return rows;
  }

  /** The store's rows of {@code ids} as they stand, for failure messages. */
  private String rows(List<String> ids) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Connection c = pg.connect(database);
         PreparedStatement s = c.prepareStatement("SELECT id, state, attempts, node, lease_owner, lease_until, run_at"
             + " FROM berth_items WHERE id = ANY(?) ORDER BY seq")) {
      s.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.append("\n  ").append(r.getString(1)).append(' ').append(r.getString(2)).append(" attempts=")
              .append(r.getInt(3)).append(" node=").append(name(r.getString(4))).append(" lease_owner=")
              .append(name(r.getString(5))).append(" lease_until=").append(r.getString(6)).append(" run_at=")
              .append(r.getString(7));
        }
      }
    }
    return out.toString();
  }

  private String statuses(JarNode n, String queue, List<String> ids) {
    StringBuilder out = new StringBuilder();
    for (String id : ids) {
      try {
        JsonObject st = n.status(queue, id);
        out.append("\n  ").append(st.getString("id")).append(' ').append(st.getString("status")).append(" attempts=")
            .append(st.getInteger("attempts")).append(" node=").append(name(st.getString("node")));
      } catch (Exception e) {
        out.append("\n  ").append(id).append(": ").append(e.getMessage());
      }
    }
    return out.toString();
  }

  private static int inFlight(JarNode n, String queue) throws IOException, InterruptedException {
    for (Object o : new JsonObject(n.get("/api/v1/queues").body()).getJsonArray("queues")) {
      JsonObject q = (JsonObject) o;
      if (queue.equals(q.getString("name"))) {
        return q.getInteger("inFlight");
      }
    }
    return 0;
  }

  private static JsonObject service(JarNode n, String name) throws IOException, InterruptedException {
    for (Object o : new JsonObject(n.get("/api/v1/services").body()).getJsonArray("services")) {
      JsonObject s = (JsonObject) o;
      if (name.equals(s.getString("name"))) {
        return s;
      }
    }
    throw new AssertionError("no service '" + name + "' on node " + n.name);
  }

  /** "a" or "b" for a node id, else the id itself. */
  private String name(String nodeId) {
    try {
      return nodeId == null ? "(none)" : nodeId.equals(a.id()) ? "a" : nodeId.equals(b.id()) ? "b" : nodeId;
    } catch (IOException | InterruptedException e) {
      return nodeId;
    }
  }

  private JsonObject config(String cluster, List<String> members, int port, int remoteConcurrency) {
    return new JsonObject()
        .put("shutdownTimeout", "3s")
        .put("http", new JsonObject().put("port", 0).put("tokenFile", "data/admin.token"))
        .put("cluster", new JsonObject().put("enabled", true).put("name", cluster)
            .put("members", new JsonArray(members)).put("host", "127.0.0.1").put("port", port))
        .put("store", new JsonObject().put("type", "postgres").put("url", pg.url(database))
            .put("user", Postgres.USER).put("password", "${" + PASSWORD_VARIABLE + "}")
            .put("pollInterval", POLL.toMillis() + "ms").put("leaseTime", ITEM_LEASE.toMillis() + "ms"))
        .put("queues", new JsonObject()
            .put("default", new JsonObject().put("capacity", 100_000).put("concurrency", 4))
            .put("remote", new JsonObject().put("capacity", 1_000).put("concurrency", remoteConcurrency)))
        .put("services", new JsonObject()
            .put("heartbeat", new JsonObject().put("enabled", false))
            .put("ticker", new JsonObject().put("schedule", "every 1s")));
  }

  private void within(Duration limit, String what, Callable<String> seen, Callable<Boolean> condition) {
    JarNode.within(limit, what, seen, condition, a, b);
  }

  private String noState() {
    return "ready a=" + (a != null && a.base().isPresent()) + " b=" + (b != null && b.base().isPresent());
  }

  private String nodeLists() {
    return JarNode.nodeLists(a, b);
  }
}
