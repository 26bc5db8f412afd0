package io.berth.core;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.service.Schedule;
import io.berth.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * How the host core runs a singleton under the {@link SingletonLeases} seam: standby until the lease comes, running
 * while it is held, stopped at once when it is lost, and given up only after the service stopped. The leases here are
 * driven by hand (as {@code ManualClock} drives time); the PostgreSQL leases are tested in {@code io.berth.cluster}.
 */
@ExtendWith(VertxExtension.class)
class SingletonServiceTest {

  /** Leases granted and taken away by the test. */
  static final class ManualLeases implements SingletonLeases {
    final Map<String, Holder> holders = new ConcurrentHashMap<>();
    final Map<String, Long> fences = new ConcurrentHashMap<>();
    final List<String> log = new CopyOnWriteArrayList<>();

    @Override
    public Contention contend(String name, Holder holder) {
      holders.put(name, holder);
      log.add("contend:" + name);
      return () -> {
        holders.remove(name);
        fences.remove(name);
        log.add("release:" + name);
        return Future.succeededFuture();
      };
    }

    void grant(String name, long fence) {
      fences.put(name, fence);
      holders.get(name).acquired(fence);
    }

    void take(String name) {
      fences.remove(name);
      holders.get(name).lost("taken by the test");
    }

    @Override
    public OptionalLong fence(String name) {
      Long f = fences.get(name);
      return f == null ? OptionalLong.empty() : OptionalLong.of(f);
    }

    @Override
    public Future<Boolean> check(String name, long fence) {
      return Future.succeededFuture(Long.valueOf(fence).equals(fences.get(name)));
    }

    @Override
    public Future<Map<String, String>> holders() {
      return Future.succeededFuture(Map.of());
    }
  }

  private static ServiceInfo info(HostCore host, String name) {
    return host.services().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aSingletonWaitsInStandbyRunsWhileItHoldsTheLeaseAndStopsWhenItLosesIt(Vertx vertx) {
    ManualLeases leases = new ManualLeases();
    AtomicInteger runs = new AtomicInteger();
    List<String> events = new CopyOnWriteArrayList<>();
    HostCore host = HostCore.builder().vertx(vertx)
        .module(ctx -> ctx.provide(SingletonLeases.class, leases))
        .background(token -> {
          int run = runs.incrementAndGet();
          events.add("run " + run + " started");
          while (token.sleep(Duration.ofMillis(5))) {
            // one-node-only work
          }
          events.add("run " + run + " stopped: " + token.reason());
          leases.log.add("service stopped");
        }, o -> o.name("solo").singleton(true))
        .build();
    Await.result(host.start());
    assertThat(info(host, "solo").state()).isEqualTo(ServiceState.STANDBY);
    assertThat(info(host, "solo").toJson().getString("state")).isEqualTo("standby");
    assertThat(info(host, "solo").toJson().getBoolean("singleton")).isTrue();
    assertThat(runs).hasValue(0);

    leases.grant("solo", 7);
    await().atMost(Duration.ofSeconds(5)).until(() -> info(host, "solo").state() == ServiceState.RUNNING);
    assertThat(info(host, "solo").toJson().getLong("fence")).isEqualTo(7);
    await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("run 1 started"));

    leases.take("solo");
    await().atMost(Duration.ofSeconds(5)).until(() -> info(host, "solo").state() == ServiceState.STANDBY);
    assertThat(events).contains("run 1 stopped: lease-lost");
    assertThat(info(host, "solo").toJson().containsKey("fence")).isFalse();

    // The lease comes back: the service runs again, with a fresh token.
    leases.grant("solo", 9);
    await().atMost(Duration.ofSeconds(5)).until(() -> events.contains("run 2 started"));
    assertThat(info(host, "solo").state()).isEqualTo(ServiceState.RUNNING);
    assertThat(info(host, "solo").toJson().getLong("fence")).isEqualTo(9);

    Await.result(host.stop());
    assertThat(events).last().isEqualTo("run 2 stopped: shutdown");
    // Given up only after the service stopped: another node must not start it while it still runs here.
    assertThat(leases.log).containsSubsequence("service stopped", "service stopped", "release:solo");
    assertThat(info(host, "solo").state()).isEqualTo(ServiceState.STOPPED);
  }

  @Test
  void aSingletonWhoseLeaseRanOutByItsOwnClockIsReportedStoppingBeforeItsHolderIsTold(Vertx vertx) {
    // After SIGSTOP and SIGCONT, an HTTP answer may come before the lease's timer tells the host: by then another
    // node may run the service, so this node must not say "running" (ClusterSigstopJarIT saw that once).
    ManualLeases leases = new ManualLeases();
    HostCore host = HostCore.builder().vertx(vertx)
        .module(ctx -> ctx.provide(SingletonLeases.class, leases))
        .background(token -> {
          while (token.sleep(Duration.ofMillis(5))) {
            // one-node-only work
          }
        }, o -> o.name("solo").singleton(true))
        .build();
    Await.result(host.start());
    leases.grant("solo", 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> info(host, "solo").state() == ServiceState.RUNNING);

    leases.fences.remove("solo");   // the deadline passed; the holder has not been told yet
    ServiceInfo ranOut = info(host, "solo");
    assertThat(ranOut.state()).isEqualTo(ServiceState.STOPPING);
    assertThat(ranOut.toJson().getBoolean("leaseRanOut")).isTrue();
    assertThat(ranOut.toJson().containsKey("fence")).isFalse();

    leases.holders.get("solo").lost("ran out");
    await().atMost(Duration.ofSeconds(5)).until(() -> info(host, "solo").state() == ServiceState.STANDBY);
    assertThat(info(host, "solo").toJson().containsKey("leaseRanOut")).isFalse();
    Await.result(host.stop());
  }

  @Test
  void aSingletonThatFailsHereGivesItsLeaseUp(Vertx vertx) {
    ManualLeases leases = new ManualLeases();
    HostCore host = HostCore.builder().vertx(vertx)
        .options(new HostOptions().exceptionPolicy(io.berth.service.ExceptionPolicy.IGNORE))
        .module(ctx -> ctx.provide(SingletonLeases.class, leases))
        .background(token -> {
          throw new IllegalStateException("broken");
        }, o -> o.name("solo").singleton(true))
        .build();
    Await.result(host.start());
    leases.grant("solo", 3);
    await().atMost(Duration.ofSeconds(5)).until(() -> leases.log.contains("release:solo"));
    assertThat(info(host, "solo").state()).isEqualTo(ServiceState.FAILED);
    assertThat(host.lifetime().isReady()).isTrue();
    Await.result(host.stop());
  }

  @Test
  void aStandbySingletonGivesItsContentionUpAtStop(Vertx vertx) {
    ManualLeases leases = new ManualLeases();
    HostCore host = HostCore.builder().vertx(vertx)
        .module(ctx -> ctx.provide(SingletonLeases.class, leases))
        .background(token -> token.sleep(Duration.ofDays(1)), o -> o.name("solo").singleton(true))
        .build();
    Await.result(host.start());
    Await.result(host.stop());
    assertThat(leases.log).containsExactly("contend:solo", "release:solo");
    assertThat(leases.holders).isEmpty();
    assertThat(info(host, "solo").state()).isEqualTo(ServiceState.STOPPED);
  }

  @Test
  void timedServicesAreSingletonsWithLeasesUnlessConfigSaysOtherwise(Vertx vertx) {
    ManualLeases leases = new ManualLeases();
    ConfigReader config = ConfigReader.of(new JsonObject().put("services", new JsonObject()
        .put("everyNode", new JsonObject().put("singleton", false))));
    HostCore host = HostCore.builder().vertx(vertx).config(config)
        .module(ctx -> ctx.provide(SingletonLeases.class, leases))
        .timed("nightly", Schedule.every(Duration.ofHours(1)), run -> { })
        .timed("everyNode", Schedule.every(Duration.ofHours(1)), run -> { })
        .background("loop", token -> token.sleep(Duration.ofDays(1)))
        .build();
    Await.result(host.start());
    try {
      assertThat(info(host, "nightly").state()).isEqualTo(ServiceState.STANDBY);
      assertThat(info(host, "everyNode").state()).isEqualTo(ServiceState.RUNNING);
      assertThat(info(host, "loop").state()).isEqualTo(ServiceState.RUNNING);
      assertThat(leases.holders.keySet()).containsExactly("nightly");
    } finally {
      Await.result(host.stop());
    }
  }

  @Test
  void aSingletonWithoutLeasesIsAConfigErrorNamingItsKey(Vertx vertx) {
    assertThatThrownBy(() -> HostCore.builder().vertx(vertx)
        .background(token -> { }, o -> o.name("solo").singleton(true)).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.solo.singleton")
        .hasMessageContaining("store.type: postgres");
    ConfigReader config = ConfigReader.of(new JsonObject().put("services", new JsonObject()
        .put("nightly", new JsonObject().put("singleton", true))));
    assertThatThrownBy(() -> HostCore.builder().vertx(vertx).config(config)
        .timed("nightly", Schedule.every(Duration.ofHours(1)), run -> { }).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.nightly.singleton");
    // Without leases a timed service is no singleton: it runs on this node.
    HostCore alone = HostCore.builder().vertx(vertx)
        .timed("nightly", Schedule.every(Duration.ofHours(1)), run -> { }).build();
    Await.result(alone.start());
    assertThat(info(alone, "nightly").state()).isEqualTo(ServiceState.RUNNING);
    Await.result(alone.stop());
  }
}
