package io.berth.cli;

import io.berth.testing.Postgres;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGSTOP and SIGCONT of the node that holds the {@code ticker} singleton, with two real Berth processes
 * ({@code java -jar target/berth.jar}, twice) sharing one PostgreSQL store: while the holder is stopped the other
 * node takes the singleton within ttl + renewInterval; once resumed, the old holder finds that it lost the lease,
 * stops its instance (standby), and the store refuses its old fencing number. A watcher polls both nodes all along:
 * never do both report the singleton running at once. The stopped node is dropped from the Hazelcast cluster; when it
 * resumes it must not act as a cluster of its own: it leaves and exits (a supervisor starts it again).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterSigstopJarIT {

  private static final Duration TTL = Duration.ofSeconds(5);
  private static final Duration RENEW = Duration.ofSeconds(1);
  /** Polling the nodes on a loaded machine: what the measured takeover may exceed the bound by. */
  private static final Duration MARGIN = Duration.ofSeconds(3);
  private static final String PASSWORD_VARIABLE = "CLUSTER_IT_PG_PASSWORD";

  @TempDir
  static Path dir;

  private Postgres pg;
  private String database;
  private JarNode a;
  private JarNode b;
  private final Map<String, String> env = Map.of(PASSWORD_VARIABLE, Postgres.PASSWORD);

  @BeforeAll
  void startTwoNodes() throws Exception {
    pg = Postgres.shared();
    database = pg.database();
    String cluster = "berth-stop-it-" + UUID.randomUUID();
    int[] ports = JarNode.freePorts(2);
    List<String> members = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
    a = JarNode.start("a", dir.resolve("a"), config(cluster, members, ports[0]), env);
    b = JarNode.start("b", dir.resolve("b"), config(cluster, members, ports[1]), env);
    within(Duration.ofSeconds(90), "both nodes ready and each lists 2 nodes", this::nodeLists,
        () -> !a.process.isAlive() || !b.process.isAlive()
            || a.ready() && b.ready() && a.nodes().size() == 2 && b.nodes().size() == 2);
    assertThat(a.process.isAlive() && b.process.isAlive()).as("both nodes alive\n%s\n%s", a.tail(40), b.tail(40))
        .isTrue();
  }

  @AfterAll
  void stopNodes() throws Exception {
    for (JarNode n : new JarNode[] {a, b}) {
      if (n != null && n.process.isAlive()) {
        signal(n, "CONT");
        n.stop();
      }
    }
  }

  @Test
  void sigstopOfTheHolderMovesTheSingletonAndTheResumedHolderStopsItsInstanceAndItsOldFenceIsRefused()
      throws Exception {
    List<String> holders = new ArrayList<>();
    within(Duration.ofSeconds(20), "one node holds the ticker singleton and runs it", this::nodeLists, () -> {
      holders.clear();
      for (JarNode n : List.of(a, b)) {
        if (n.singletonsHeld().contains("ticker") && "running".equals(tickerState(n))) {
          holders.add(n.name);
        }
      }
      return holders.size() == 1;
    });
    JarNode holder = holders.get(0).equals("a") ? a : b;
    JarNode other = holder == a ? b : a;
    String holderId = holder.id();
    String otherId = other.id();
    long[] before = leaseRow();
    assertThat(before).as("the store's ticker row").isNotNull();
    long oldFence = before[0];
    assertThat(tickerState(other)).isEqualTo("standby");

    // A watcher asks both nodes, over and over, what they say of the ticker (a stopped node answers nothing).
    List<String> reports = new CopyOnWriteArrayList<>();
    List<String> overlaps = new CopyOnWriteArrayList<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher = new Thread(() -> watch(watching, reports, overlaps), "watch-ticker");
    watcher.setDaemon(true);
    watcher.start();

    long stopped = System.nanoTime();
    signal(holder, "STOP");
    long bound = TTL.plus(RENEW).plus(MARGIN).toMillis();
    within(Duration.ofMillis(bound + 5_000), "the other node holds and runs the ticker", this::seenByOther, () ->
        other.singletonsHeld().contains("ticker") && "running".equals(tickerState(other)));
    long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped);
    long[] during = leaseRow();
    int ranOnOtherBefore = (int) other.count("Ticker is working");
    within(Duration.ofSeconds(5), "the other node runs the ticker", () -> other.tail(10),
        () -> other.count("Ticker is working") > ranOnOtherBefore);

    int holderLinesAtCont = holder.lines.size();
    long resumed = System.nanoTime();
    signal(holder, "CONT");
    // It finds out at once, by its own clock, that its lease ran out: it stops its instance and is standby (on both
    // routes), and the store refuses the fence it held, logged once.
    within(Duration.ofSeconds(10), "the resumed holder in standby, holding nothing, its old fence refused",
        () -> holder.tail(30), () -> "standby".equals(tickerState(holder))
            && !holder.singletonsHeld().contains("ticker") && refusals(holder, oldFence) > 0);
    long standbyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);

    // Hazelcast dropped it meanwhile, and it dropped the other node: split off, it stops with exit code 1.
    assertThat(holder.process.waitFor(30, TimeUnit.SECONDS)).as("the split-off node stops\n%s", holder.tail(40))
        .isTrue();
    long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resumed);
    watching.set(false);
    watcher.join(5_000);
    List<String> after = List.copyOf(holder.lines).subList(holderLinesAtCont, holder.lines.size());
    System.out.println("---- the resumed holder " + holder.name + " after SIGCONT ----\n" + String.join("\n", after));
    System.out.println("---- ticker state as each node reported it ----\n" + String.join("\n", reports));
    long[] now = leaseRow();
    System.out.printf("SIGSTOP of holder %s (fence %d): %s held and ran 'ticker' after %d ms (bound %d ms; store"
            + " fence then %d); SIGCONT: the old holder in standby with fence %d refused after %d ms, split off and"
            + " exited %d after %d ms; the store's fence now %d, on %s%n", holder.name, oldFence, other.name,
        takeoverMs, bound, during[0], oldFence, standbyMs, holder.process.exitValue(), exitMs, now[0], other.name);

    assertThat(takeoverMs).as("SIGSTOP to the other node running the ticker").isLessThanOrEqualTo(bound);
    assertThat(during[0]).as("the fence the other node took the lease with").isGreaterThan(oldFence);
    assertThat(overlaps).as("moments when both nodes reported the ticker running").isEmpty();
    assertThat(after.stream().filter(l -> l.contains("Ticker is working")).toList())
        .as("ticker runs on the old holder after SIGCONT, while the other node holds the lease").isEmpty();
    assertThat(refusals(holder, oldFence)).as("WARN lines: the store refused fence %d", oldFence).isEqualTo(1);
    assertThat(holder.count("split off the cluster by its pause")).as("the split-off line").isEqualTo(1);
    assertThat(holder.process.exitValue()).as("exit code of the split-off node").isEqualTo(1);
    assertThat(JarNode.stackTraceLines(after)).as("stack-trace lines in the old holder's output after SIGCONT").isEmpty();
    assertThat(JarNode.stackTraceLines(List.copyOf(other.lines))).as("stack-trace lines in the other node's output").isEmpty();

    // The other node goes on alone, holding the singleton with a newer fence.
    within(Duration.ofSeconds(10), "the other node alone, holding the ticker", this::seenByOther,
        () -> other.nodes().size() == 1 && other.singletonsHeld().contains("ticker")
            && "running".equals(tickerState(other)));
    assertThat(now[0]).as("the store's fence").isGreaterThanOrEqualTo(during[0]);
    assertThat(other.id()).isEqualTo(otherId);
    assertThat(holderId).isNotEqualTo(otherId);
  }

  /** Polls both nodes' ticker state until {@code watching} ends; records each report, and the overlaps. */
  private void watch(AtomicBoolean watching, List<String> reports, List<String> overlaps) {
    long t0 = System.nanoTime();
    while (watching.get()) {
      String onA = safeState(a);
      String onB = safeState(b);
      String line = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + "ms a=" + onA + " b=" + onB;
      if (reports.isEmpty() || !reports.get(reports.size() - 1).endsWith(" a=" + onA + " b=" + onB)) {
        reports.add(line);
      }
      if ("running".equals(onA) && "running".equals(onB)) {
        overlaps.add(line);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));   // pacing of the watcher, not synchronisation
    }
  }

  private String safeState(JarNode n) {
    try {
      return tickerState(n);
    } catch (Exception e) {
      return "(no answer)";
    }
  }

  private static String tickerState(JarNode n) throws IOException, InterruptedException {
    for (Object o : new JsonObject(n.get("/api/v1/services").body()).getJsonArray("services")) {
      JsonObject s = (JsonObject) o;
      if ("ticker".equals(s.getString("name"))) {
        return s.getString("state");
      }
    }
    throw new AssertionError("no service 'ticker' on node " + n.name);
  }


  private static long refusals(JarNode n, long fence) {
    return n.lines.stream().filter(l -> l.contains(" WARN ") && l.contains("'ticker'") && l.contains("fence " + fence)
        && l.contains("refused")).count();
  }

  /** The store's ticker row: fence, and 1 when it is unexpired (else 0); null when there is none. */
  private long[] leaseRow() throws Exception {
    try (Connection c = pg.connect(database);
         PreparedStatement s = c.prepareStatement("SELECT fence, CASE WHEN expires_at > now() THEN 1 ELSE 0 END"
             + " FROM berth_singletons WHERE name = 'ticker'")) {
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? new long[] {r.getLong(1), r.getLong(2)} : null;
      }
    }
  }

  private static void signal(JarNode n, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(n.process.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %s", signal, n.name)
        .isTrue();
  }

  private JsonObject config(String cluster, List<String> members, int port) {
    return new JsonObject()
        .put("shutdownTimeout", "3s")
        .put("http", new JsonObject().put("port", 0).put("tokenFile", "data/admin.token"))
        .put("cluster", new JsonObject().put("enabled", true).put("name", cluster)
            .put("members", new JsonArray(members)).put("host", "127.0.0.1").put("port", port)
            .put("singletons", new JsonObject().put("ttl", TTL.toMillis() + "ms")
                .put("renewInterval", RENEW.toMillis() + "ms")))
        .put("store", new JsonObject().put("type", "postgres").put("url", pg.url(database))
            .put("user", Postgres.USER).put("password", "${" + PASSWORD_VARIABLE + "}"))
        .put("services", new JsonObject()
            .put("heartbeat", new JsonObject().put("enabled", false))
            .put("ticker", new JsonObject().put("schedule", "every 1s")));
  }

  private void within(Duration limit, String what, Callable<String> seen, Callable<Boolean> condition) {
    JarNode.within(limit, what, seen, condition, a, b);
  }

  private String seenByOther() {
    return nodeLists() + (a == null ? "" : a.tail(20)) + "\n" + (b == null ? "" : b.tail(20));
  }

  private String nodeLists() {
    return JarNode.nodeLists(a, b);
  }
}
