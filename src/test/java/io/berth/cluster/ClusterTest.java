package io.berth.cluster;

import io.berth.admin.HttpOptions;
import io.berth.core.HostEvent;
import io.berth.core.HostOptions;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceState;
import io.berth.core.SingletonLeases;
import io.berth.host.Host;
import io.berth.service.BackgroundService;
import io.berth.testing.Await;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two clustered hosts in one JVM (Hazelcast over TCP/IP on 127.0.0.1, a unique cluster name per test) sharing an
 * embedded PostgreSQL database for the singleton leases.
 */
class ClusterTest {

  private static final String TOKEN = "cluster-test-token-0123456789";
  /** Short leases keep the test fast; {@code -Dberth.test.ttl=5000 -Dberth.test.renew=1000} measures the defaults. */
  private static final Duration TTL = Duration.ofMillis(Long.getLong("berth.test.ttl", 1500));
  private static final Duration RENEW = Duration.ofMillis(Long.getLong("berth.test.renew", 300));

  private static String database;
  private final List<Host> hosts = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private String clusterName;
  private List<String> members;

  @BeforeAll
  static void db() {
    database = TestPostgres.database();
  }

  @AfterEach
  void stopAll() {
    List<Host> reversed = new ArrayList<>(hosts);
    Collections.reverse(reversed);
    for (Host h : reversed) {
      h.stop();
    }
    for (Host h : reversed) {
      Await.result(h.lifetime().stopped(), 30);
    }
  }

  private void newCluster(int size) throws IOException {
    clusterName = "berth-test-" + UUID.randomUUID();
    members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        members.add("127.0.0.1:" + s.getLocalPort());
      }
    }
  }

  private Host node(int index, java.util.function.Consumer<Host.Builder> services) throws IOException {
    int port = Integer.parseInt(members.get(index).substring(members.get(index).indexOf(':') + 1));
    Path dir = Files.createTempDirectory("berth-cluster");
    Host.Builder b = Host.builder()
        .cluster(new ClusterOptions().name(clusterName).members(members).host("127.0.0.1").port(port)
            .ttl(TTL).renewInterval(RENEW))
        .clusterLeases(TestPostgres.connect(database))
        .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
        .http(new HttpOptions().port(0).token(TOKEN).tokenFile(dir.resolve("unused.token")));
    services.accept(b);
    Host host = b.build();
    hosts.add(host);
    Await.result(host.start(), 30);
    return host;
  }

  private JsonArray nodes(Host host) throws Exception {
    var address = host.lifetime().httpAddress().orElseThrow();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + address.port() + "/api/v1/nodes"))
        .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonArray("nodes");
  }

  private static List<JsonObject> events(List<HostEvent> recorded, String event) {
    return recorded.stream().map(HostEvent::toJson).filter(j -> event.equals(j.getString("event"))).toList();
  }

  @Test
  void twoNodesFormAClusterListBothAndSeeALeave() throws Exception {
    newCluster(2);
    Host a = node(0, b -> { });
    List<HostEvent> seenByA = new CopyOnWriteArrayList<>();
    a.core().events().listen(new io.berth.core.HostListener() {
      @Override
      public void onEvent(HostEvent event) {
        seenByA.add(event);
      }

      @Override
      public boolean wants(String topic) {
        return NodeEvent.TOPIC.equals(topic);
      }
    });
    Host b = node(1, x -> { });
    String idA = a.lifetime().nodeId();
    String idB = b.lifetime().nodeId();
    assertThat(idA).isEqualTo(((VertxInternal) a.vertx()).clusterManager().getNodeId());
    assertThat(idB).isNotEqualTo(idA);

    await().atMost(Duration.ofSeconds(10)).until(() -> events(seenByA, "joined").stream()
        .anyMatch(e -> idB.equals(e.getString("node"))));

    await().atMost(Duration.ofSeconds(10)).until(() -> nodes(a).size() == 2);
    JsonArray fromA = nodes(a);
    JsonArray fromB = nodes(b);
    for (JsonArray list : List.of(fromA, fromB)) {
      assertThat(list.stream().map(o -> ((JsonObject) o).getString("id")).toList())
          .containsExactlyInAnyOrder(idA, idB);
      for (Object o : list) {
        JsonObject n = (JsonObject) o;
        assertThat(n.getString("address")).startsWith("127.0.0.1:");
        assertThat(n.getString("joinedAt")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(n.getJsonArray("singletons")).isEmpty();
      }
    }
    assertThat(fromA.stream().map(o -> (JsonObject) o).filter(n -> n.getBoolean("self")).map(n -> n.getString("id")))
        .containsExactly(idA);
    assertThat(fromB.stream().map(o -> (JsonObject) o).filter(n -> n.getBoolean("self")).map(n -> n.getString("id")))
        .containsExactly(idB);

    // B stops (and leaves the cluster): A sees it go.
    Await.result(b.stop(), 30);
    await().atMost(Duration.ofSeconds(10)).until(() -> events(seenByA, "left").stream()
        .anyMatch(e -> idB.equals(e.getString("node"))));
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes(a).size() == 1);
  }

  /** A singleton loop that records where it runs; two at once is an overlap. */
  private static final class Solo {
    final AtomicReference<String> runningOn = new AtomicReference<>();
    final List<String> overlaps = new CopyOnWriteArrayList<>();

    BackgroundService on(String node) {
      return token -> {
        if (!runningOn.compareAndSet(null, node)) {
          overlaps.add(node + " started while " + runningOn.get() + " ran it");
        }
        try {
          while (token.sleep(Duration.ofMillis(20))) {
            // one-node-only work
          }
        } finally {
          runningOn.compareAndSet(node, null);
        }
      };
    }
  }

  private static ServiceState state(Host host, String service) {
    return host.services().stream().filter(s -> s.name().equals(service)).map(ServiceInfo::state).findFirst()
        .orElseThrow();
  }

  @Test
  void aSingletonRunsOnOneNodeAndMovesWhenItsHolderDies() throws Exception {
    newCluster(2);
    Solo solo = new Solo();
    Host a = node(0, b -> b.background(solo.on("a"), o -> o.name("solo").singleton(true)));
    Host b = node(1, x -> x.background(solo.on("b"), o -> o.name("solo").singleton(true)));

    await().atMost(Duration.ofSeconds(10)).until(() ->
        (state(a, "solo") == ServiceState.RUNNING && state(b, "solo") == ServiceState.STANDBY)
            || (state(b, "solo") == ServiceState.RUNNING && state(a, "solo") == ServiceState.STANDBY));
    Host holder = state(a, "solo") == ServiceState.RUNNING ? a : b;
    Host other = holder == a ? b : a;
    String holderId = holder.lifetime().nodeId();
    String holderLabel = holder == a ? "a" : "b";
    await().atMost(Duration.ofSeconds(5)).until(() -> holderLabel.equals(solo.runningOn.get()));

    // The API: the holder's service has a fence, the other's is standby; /nodes names the holder's singleton.
    JsonObject info = holder.services().stream().filter(s -> s.name().equals("solo")).findFirst().orElseThrow()
        .toJson();
    assertThat(info.getBoolean("singleton")).isTrue();
    long fence = info.getLong("fence");
    assertThat(fence).isPositive();
    assertThat(other.services().stream().filter(s -> s.name().equals("solo")).findFirst().orElseThrow().toJson()
        .getString("state")).isEqualTo("standby");
    JsonArray listed = nodes(other);
    assertThat(listed.stream().map(o -> (JsonObject) o).map(n -> n.getString("id")))
        .containsExactlyInAnyOrder(a.lifetime().nodeId(), b.lifetime().nodeId());
    assertThat(listed.stream().map(o -> (JsonObject) o).filter(n -> !n.getJsonArray("singletons").isEmpty())
        .map(n -> n.getString("id") + "=" + n.getJsonArray("singletons").encode()))
        .containsExactly(holderId + "=[\"solo\"]");

    // The holder dies: its Hazelcast node is terminated and its lease renewals stop (as after kill -9; its process
    // keeps running here, so its own deadline stops its copy first).
    long crashedAt = System.nanoTime();
    ((PgSingletonLeases) holder.core().feature(SingletonLeases.class).orElseThrow()).suspendRenewals(true);
    holder.cluster().orElseThrow().hazelcast().getLifecycleService().terminate();

    await().atMost(Duration.ofSeconds(10)).until(() -> state(other, "solo") == ServiceState.RUNNING);
    Duration failover = Duration.ofNanos(System.nanoTime() - crashedAt);
    assertThat(failover).as("failover within TTL + renew interval (+ slack for this loaded machine)")
        .isLessThan(TTL.plus(RENEW).plusSeconds(1));
    String otherLabel = other == a ? "a" : "b";
    await().atMost(Duration.ofSeconds(5)).until(() -> otherLabel.equals(solo.runningOn.get()));
    assertThat(state(holder, "solo")).isEqualTo(ServiceState.STANDBY);
    assertThat(solo.overlaps).isEmpty();
    long newFence = other.services().stream().filter(s -> s.name().equals("solo")).findFirst().orElseThrow()
        .toJson().getLong("fence");
    assertThat(newFence).isGreaterThan(fence);
    SingletonLeases leases = other.core().feature(SingletonLeases.class).orElseThrow();
    assertThat(Await.result(leases.check("solo", fence))).as("the dead holder's fence is refused").isFalse();
    assertThat(Await.result(leases.check("solo", newFence))).isTrue();
    System.out.println("singleton failover after the holder died: " + failover.toMillis() + " ms (TTL "
        + TTL.toMillis() + " ms, renew " + RENEW.toMillis() + " ms)");
  }
}
