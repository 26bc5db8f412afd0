package io.berth.cluster;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.Await;
import io.berth.testing.Postgres;
import io.berth.work.ItemState;
import io.berth.work.ItemStatus;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Work across a real cluster: two clustered hosts in one JVM (Hazelcast on 127.0.0.1) on one PostgreSQL store. A
 * cancel asked on one node stops the item where it runs, on the other node.
 */
class ClusterWorkTest {

  private static final Postgres pg = Postgres.shared();
  private final List<Host> hosts = new ArrayList<>();

  @AfterEach
  void stopAll() {
    List<Host> reversed = new ArrayList<>(hosts);
    Collections.reverse(reversed);
    reversed.forEach(Host::stop);
    for (Host h : reversed) {
      Await.result(h.lifetime().stopped(), 30);
    }
  }

  private static List<String> members(int n) throws IOException {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        members.add("127.0.0.1:" + s.getLocalPort());
      }
    }
    return members;
  }

  private Host node(String cluster, List<String> members, int index, String database) {
    return node(cluster, members, index, database, "200ms", 2);
  }

  /** A clustered host on {@code database} polling every {@code poll}, its queue "q" running {@code concurrency}. */
  private Host node(String cluster, List<String> members, int index, String database, String poll, int concurrency) {
    String member = members.get(index);
    JsonObject store = new JsonObject().put("type", "postgres").put("url", pg.url(database))
        .put("user", Postgres.USER).put("password", Postgres.PASSWORD).put("pollInterval", poll);
    Host host = Host.builder()
        .cluster(new ClusterOptions().name(cluster).members(members).host("127.0.0.1")
            .port(Integer.parseInt(member.substring(member.indexOf(':') + 1))))
        .config(ConfigReader.of(new JsonObject().put("store", store)))
        .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(3)))
        .queue(new QueueOptions("q").concurrency(concurrency))
        .handler("quick", ctx -> { })
        .handler("slow", ctx -> {
          // Runs until cancelled (or 30 s, far past the test's bound).
          ctx.token().sleep(Duration.ofSeconds(30));
          ctx.token().throwIfCancellationRequested();
        })
        .build();
    hosts.add(host);
    Await.result(host.start(), 30);
    return host;
  }

  @Test
  void aCancelOnOneNodeStopsTheItemRunningOnTheOther() throws Exception {
    String cluster = "berth-work-" + UUID.randomUUID();
    List<String> members = members(2);
    String database = pg.database();
    Host a = node(cluster, members, 0, database);
    Host b = node(cluster, members, 1, database);
    WorkQueue qa = a.work().queue("q");
    String id = Await.result(qa.enqueue("slow", new JsonObject()), 10);
    await().atMost(Duration.ofSeconds(10)).until(() -> state(qa, id) == ItemState.RUNNING);
    ItemStatus running = Await.result(qa.find(id), 10).orElseThrow();
    // Cancel from the node that does NOT run it: only the cluster's bus can reach the worker.
    Host other = running.node().equals(a.lifetime().nodeId()) ? b : a;
    assertThat(Await.result(other.work().queue("q").cancel(id), 10)).contains(ItemState.RUNNING);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(Await.result(qa.find(id), 10).orElseThrow().toJson().getString("status")).isEqualTo("cancelled"));
  }

  /**
   * A wake for items due now goes to one node; one with no room passes it on. Node A's only worker is busy and its
   * claimed-ahead buffer is half full of slow items, so every wake that reaches A must be passed on to B: the poll (a
   * minute here) never helps. Each quick item is enqueued after the one before ran, so each has a wake of its own,
   * and the nodes take them in turn.
   */
  @Test
  void aWakeThatReachesANodeWithNoRoomIsPassedOnToOneWithRoom() throws Exception {
    String cluster = "berth-wake-" + UUID.randomUUID();
    List<String> members = members(2);
    String database = pg.database();
    Host a = node(cluster, members, 0, database, "60s", 1);
    WorkQueue qa = a.work().queue("q");
    List<String> slow = new ArrayList<>();
    // A claims ahead while fewer than 32 (half of 64) wait in its buffer: all 33 are claimed, one runs, 32 wait.
    for (int i = 0; i < 33; i++) {
      slow.add(Await.result(qa.enqueue("slow", new JsonObject()), 10));
    }
    String aNode = a.lifetime().nodeId();
    await().atMost(Duration.ofSeconds(10)).until(() -> slow.stream().allMatch(id ->
        aNode.equals(Await.result(qa.find(id), 10).map(ItemStatus::node).orElse(null))));
    Host b = node(cluster, members, 1, database, "60s", 1);
    String bNode = b.lifetime().nodeId();
    for (int i = 0; i < 8; i++) {
      String id = Await.result(qa.enqueue("quick", new JsonObject()), 10);
      await().atMost(Duration.ofSeconds(10)).until(() -> state(qa, id) == ItemState.SUCCEEDED);
      assertThat(Await.result(qa.find(id), 10).orElseThrow().node()).isEqualTo(bNode);
    }
  }

  private static ItemState state(WorkQueue q, String id) {
    return Await.result(q.find(id), 10).map(ItemStatus::state).orElse(null);
  }
}
