package io.berth.cluster;

import io.berth.core.HostOptions;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceState;
import io.berth.core.SingletonLeases;
import io.berth.host.Host;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Postgres;
import io.berth.token.FakeTokenEndpoint;
import io.berth.token.TokenInfo;
import io.berth.token.TokenOptions;
import io.berth.token.TokenState;
import io.berth.token.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared token in a cluster of three hosts in one JVM (Hazelcast on 127.0.0.1, leases in an embedded PostgreSQL):
 * one node fetches and refreshes, the others get the token from it, an invalidation from anywhere is one fetch, and
 * a failover keeps the token served. The fake token endpoint counts every fetch, and each fetch invalidates the
 * previous token, as WeChat's does.
 */
class ClusterTokenTest {

  private static final Duration TTL = Duration.ofMillis(1500);
  private static final Duration RENEW = Duration.ofMillis(300);
  private static final String SERVICE = Tokens.serviceName("wx");
  private static final String SECRET = "cluster-s3cr3t-VALUE";

  private static Vertx endpointVertx;
  private static FakeTokenEndpoint endpoint;
  private static String database;

  private final List<Host> hosts = new ArrayList<>();
  private LogCapture log;

  @BeforeAll
  static void startEndpointAndDatabase() {
    endpointVertx = Vertx.vertx();
    endpoint = Await.result(FakeTokenEndpoint.start(endpointVertx), 10);
    database = Postgres.shared().database();
  }

  @AfterAll
  static void stopEndpoint() {
    Await.result(endpointVertx.close(), 10);
  }

  @AfterEach
  void stopAll() {
    try {
      List<Host> reversed = new ArrayList<>(hosts);
      Collections.reverse(reversed);
      reversed.forEach(Host::stop);
      for (Host h : reversed) {
        Await.result(h.lifetime().stopped(), 30);
      }
    } finally {
      if (log != null) {
        log.close();
      }
    }
  }

  private static PgConnectOptions leases() {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(Postgres.shared().port()).setDatabase(database)
        .setUser(Postgres.USER).setPassword(Postgres.PASSWORD);
  }

  /** Three clustered hosts, each with the same token "wx" (the service is a singleton: the host has leases). */
  private List<Tokens> cluster(int size) throws IOException {
    String name = "berth-token-" + UUID.randomUUID();
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        members.add("127.0.0.1:" + s.getLocalPort());
      }
    }
    List<Tokens> all = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int port = Integer.parseInt(members.get(i).substring(members.get(i).indexOf(':') + 1));
      Tokens tokens = Tokens.of(TokenOptions.builder("wx", endpoint.url())
          .query("grant_type", "client_credential").query("appid", "wx-app").query("secret", SECRET).secret(SECRET)
          .startTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(2))
          .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build());
      Host host = Host.builder()
          .cluster(new ClusterOptions().name(name).members(members).host("127.0.0.1").port(port)
              .ttl(TTL).renewInterval(RENEW))
          .clusterLeases(leases())
          .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
          .module(tokens)
          .build();
      hosts.add(host);
      Await.result(host.start(), 30);
      all.add(tokens);
    }
    return all;
  }

  private static ServiceState state(Host host) {
    return host.services().stream().filter(s -> s.name().equals(SERVICE)).map(ServiceInfo::state).findFirst()
        .orElseThrow();
  }

  private int holder() {
    List<Integer> running = new ArrayList<>();
    for (int i = 0; i < hosts.size(); i++) {
      if (state(hosts.get(i)) == ServiceState.RUNNING) {
        running.add(i);
      }
    }
    return running.size() == 1 ? running.get(0) : -1;
  }

  @Test
  void oneRefresherPerClusterServesEveryNodeAndSurvivesItsHoldersDeath() throws Exception {
    log = LogCapture.start();
    int before = endpoint.fetches.get();
    List<Tokens> tokens = cluster(3);

    // One node holds the token's lease and fetched once; the others wait in standby.
    await().atMost(Duration.ofSeconds(10)).until(() -> holder() >= 0);
    int h = holder();
    await().atMost(Duration.ofSeconds(10)).until(() -> tokens.get(h).info("wx").state() == TokenState.VALID);
    for (int i = 0; i < 3; i++) {
      if (i != h) {
        assertThat(state(hosts.get(i))).isEqualTo(ServiceState.STANDBY);
      }
    }
    assertThat(endpoint.fetches.get() - before).as("one fetch across the cluster").isEqualTo(1);

    // Every node's current() is the holder's token, and asking costs no fetch.
    String first = endpoint.latest();
    for (Tokens t : tokens) {
      assertThat(Await.result(t.current("wx"), 10)).isEqualTo(first);
    }
    assertThat(endpoint.fetches.get() - before).isEqualTo(1);
    int a = (h + 1) % 3;
    int b = (h + 2) % 3;
    assertThat(tokens.get(a).info("wx").state()).isEqualTo(TokenState.VALID);

    // Two non-holders report the token invalid at once: one fetch, and both get the new token.
    Future<String> fromA = tokens.get(a).invalidate("wx", first);
    Future<String> fromB = tokens.get(b).invalidate("wx", first);
    String second = Await.result(fromA, 10);
    assertThat(Await.result(fromB, 10)).isEqualTo(second);
    assertThat(second).isNotEqualTo(first).isEqualTo(endpoint.latest());
    assertThat(endpoint.fetches.get() - before).as("two invalidations at once, one fetch").isEqualTo(2);
    for (Tokens t : tokens) {
      assertThat(Await.result(t.current("wx"), 10)).isEqualTo(second);
    }
    // Reporting the replaced token again costs nothing: the current one comes back.
    assertThat(Await.result(tokens.get(a).invalidate("wx", first), 10)).isEqualTo(second);
    assertThat(endpoint.fetches.get() - before).isEqualTo(2);

    // The holder dies (its cluster node terminated, its renewals stopped, as after kill -9); the survivors ask for
    // the token all along the failover.
    Host dead = hosts.get(h);
    List<String> wrong = new CopyOnWriteArrayList<>();
    AtomicInteger answered = new AtomicInteger();
    long reader = endpointVertx.setPeriodic(10, id -> {
      for (int i : new int[] {a, b}) {
        tokens.get(i).current("wx").onComplete(ar -> {
          if (ar.failed()) {
            wrong.add("node " + i + ": " + ar.cause());
          } else if (!ar.result().equals(second)) {
            wrong.add("node " + i + " answered another token");
          } else {
            answered.incrementAndGet();
          }
        });
      }
    });
    long crashedAt = System.nanoTime();
    ((PgSingletonLeases) dead.core().feature(SingletonLeases.class).orElseThrow()).suspendRenewals(true);
    dead.cluster().orElseThrow().hazelcast().getLifecycleService().terminate();
    await().atMost(Duration.ofSeconds(10)).until(() -> state(hosts.get(a)) == ServiceState.RUNNING
        || state(hosts.get(b)) == ServiceState.RUNNING);
    Duration failover = Duration.ofNanos(System.nanoTime() - crashedAt);
    int next = state(hosts.get(a)) == ServiceState.RUNNING ? a : b;
    int other = next == a ? b : a;
    await().atMost(Duration.ofSeconds(10)).until(() -> tokens.get(next).info("wx").state() == TokenState.VALID);
    endpointVertx.cancelTimer(reader);
    assertThat(wrong).as("every current() during the failover answered the token").isEmpty();
    assertThat(answered.get()).isPositive();
    assertThat(failover).as("failover within TTL + renew interval (+ slack for this loaded machine)")
        .isLessThan(TTL.plus(RENEW).plusSeconds(2));
    // The new holder took over the token it had from the dead one: a failover costs no fetch.
    assertThat(Await.result(tokens.get(next).current("wx"), 10)).isEqualTo(second);
    assertThat(endpoint.fetches.get() - before).as("no fetch on failover").isEqualTo(2);

    // The new holder answers the remaining node: an invalidation from there is one fetch.
    String third = Await.result(tokens.get(other).invalidate("wx", second), 10);
    assertThat(third).isNotEqualTo(second).isEqualTo(endpoint.latest());
    assertThat(endpoint.fetches.get() - before).isEqualTo(3);
    assertThat(Await.result(tokens.get(next).current("wx"), 10)).isEqualTo(third);
    assertThat(Await.result(tokens.get(other).current("wx"), 10)).isEqualTo(third);

    // No token value ever reached a log line.
    String text = log.text();
    for (String value : List.of(first, second, third)) {
      assertThat(Pattern.compile(Pattern.quote(value) + "(?!\\d)").matcher(text).find())
          .as("the token value is in the log").isFalse();
    }
    assertThat(text).doesNotContain(SECRET);
    List<TokenInfo> infos = tokens.get(other).list();
    assertThat(infos.get(0).toJson().encode()).doesNotContain(third);
    System.out.println("token failover after the holder died: " + failover.toMillis() + " ms (TTL " + TTL.toMillis()
        + " ms, renew " + RENEW.toMillis() + " ms); " + answered.get() + " current() calls answered meanwhile");
  }
}
