package io.berth.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad cluster config stops the launcher with exit code 2 and one line naming the key, before joining anything. */
class ClusterConfigTest {

  @TempDir
  Path dir;

  private record Result(int code, String err) {
  }

  private Result run(JsonObject config) throws Exception {
    Path file = dir.resolve("config.json");
    config.put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("admin.token").toString()));
    config.put("store", new JsonObject().put("type", "memory"));
    Files.writeString(file, config.encodePrettily());
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new BerthCommand()).execute("--conf", file.toString());
      return new Result(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void clusterEnabledWithoutMembersNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("berth: configuration error: config key 'cluster.members'").doesNotContain("Exception");
  }

  @Test
  void membersThatAreNotHostPortNameTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("members", new JsonArray().add("127.0.0.1:5701").add("not a host"))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.members").contains("'not a host'");
  }

  @Test
  void aLeaseTtlShorterThanThreeRenewalsNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("members", new JsonArray().add("127.0.0.1:5701"))
        .put("singletons", new JsonObject().put("ttl", "2s").put("renewInterval", "1s"))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.singletons.ttl");
  }

  @Test
  void aSingletonWithoutTheClusteredStoreNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("services", new JsonObject()
        .put("ticker", new JsonObject().put("singleton", true))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("services.ticker.singleton").contains("store.type: postgres");
  }

  @Test
  void aListOfMembersIsAKnownKey() throws Exception {
    // Valid members, a bad ttl: the error is the ttl's, not an unknown cluster.members.
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", false)
        .put("members", new JsonArray().add("127.0.0.1:5701")).put("bogus", 1)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.bogus").doesNotContain("cluster.members");
  }

  @Test
  void anUnknownClusterKeyNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabld", true)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.enabld");
  }

  // ---- checked before the cluster is joined: the whole config, not only the cluster section

  /** Cluster enabled, with a member nobody listens on: a join would take seconds before any of these errors. */
  private static JsonObject clustered() {
    return new JsonObject().put("cluster", new JsonObject().put("enabled", true).put("name", "cfg-" + System.nanoTime())
        .put("members", new JsonArray().add("127.0.0.1:1")));
  }

  private Result timed(JsonObject config, String what) throws Exception {
    long t0 = System.nanoTime();
    Result r = run(config);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("clustered config with %s: exit %d after %d ms, %s", what, r.code(), ms, r.err());
    // Joining alone takes ~5 s in one JVM here (MEASURED.md), and no Hazelcast instance may be left or made.
    assertThat(ms).as("exit before any join").isLessThan(5_000);
    assertThat(com.hazelcast.core.Hazelcast.getAllHazelcastInstances()).isEmpty();
    return r;
  }

  @Test
  void anUnknownQueueKeyOfAClusteredNodeIsNamedBeforeTheJoin() throws Exception {
    JsonObject c = clustered().put("queues", new JsonObject().put("default", new JsonObject().put("capacty", 10)));
    Result r = timed(c, "an unknown queue key");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("berth: configuration error: config key 'queues.default.capacty'")
        .doesNotContain("Exception");
  }

  @Test
  void aBadScheduleOfAClusteredNodeIsNamedBeforeTheJoin() throws Exception {
    JsonObject c = clustered().put("services", new JsonObject().put("ticker",
        new JsonObject().put("schedule", "every banana")));
    Result r = timed(c, "a bad schedule");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("services.ticker.schedule").doesNotContain("Exception");
  }

  @Test
  void aServiceSectionNamingNoServiceOfAClusteredNodeIsNamedBeforeTheJoin() throws Exception {
    JsonObject c = clustered().put("services", new JsonObject().put("tickr", new JsonObject()));
    Result r = timed(c, "a section naming no service");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("services.tickr").doesNotContain("Exception");
  }

  @Test
  void anUnknownBerthVariableOfAClusteredNodeIsNamedBeforeTheJoin() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.berth.config.ConfigReader config = io.berth.config.ConfigReader.of(clustered()
              .put("store", new JsonObject().put("type", "memory"))
              .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("t").toString())),
          java.util.Map.of("BERTH_QUEUES_DEFAULT_CAPACTY", "5", "BERTH_HTTP_DRAIN_DELAY", "1s"), java.util.Map.of());
      long t0 = System.nanoTime();
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> DefaultApp.validateBeforeJoin(vertx, config))
          .isInstanceOf(io.berth.config.ConfigException.class)
          .hasMessageStartingWith("config key 'BERTH_QUEUES_DEFAULT_CAPACTY'")
          .hasMessageNotContaining("BERTH_HTTP_DRAIN_DELAY");
      System.out.printf("unknown BERTH_ variable refused in %d ms, before any join%n",
          (System.nanoTime() - t0) / 1_000_000);
      assertThat(com.hazelcast.core.Hazelcast.getAllHazelcastInstances()).isEmpty();
    } finally {
      vertx.close();
    }
  }

  @Test
  void anUnreachableStoreOfAClusteredNodeNamesStoreUrlBeforeTheJoin() throws Exception {
    Path file = dir.resolve("config.json");
    JsonObject config = clustered()
        .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("admin.token").toString()))
        .put("store", new JsonObject().put("type", "postgres").put("url", "postgresql://127.0.0.1:1/berth")
            .put("connectTimeout", "2s"));
    Files.writeString(file, config.encodePrettily());
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = new CommandLine(new BerthCommand()).execute("--conf", file.toString());
    } finally {
      System.setErr(original);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("berth: configuration error: config key 'store.url'")
        .doesNotContain("Exception:");
    assertThat(com.hazelcast.core.Hazelcast.getAllHazelcastInstances()).isEmpty();
  }

  @Test
  void aGoodClusteredConfigPassesTheCheckWithoutFalseAlarms() throws Exception {
    // What the dry run stands in for must not raise errors of its own: a singleton (no leases without the
    // cluster), a large capacity (the memory store's budget), a PostgreSQL store (reached once).
    io.berth.testing.Postgres pg = io.berth.testing.Postgres.shared();
    String db = pg.database();
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.berth.config.ConfigReader config = io.berth.config.ConfigReader.of(clustered()
              .put("store", new JsonObject().put("type", "postgres").put("url", pg.url(db))
                  .put("user", io.berth.testing.Postgres.USER).put("password", io.berth.testing.Postgres.PASSWORD))
              .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("t").toString()))
              .put("queues", new JsonObject().put("default", new JsonObject().put("capacity", 100_000)))
              .put("services", new JsonObject().put("heartbeat", new JsonObject().put("singleton", true))
                  .put("ticker", new JsonObject().put("schedule", "every 1s"))
                  .put("cluster", new JsonObject().put("startTimeout", "20s"))
                  .put("store", new JsonObject().put("startTimeout", "20s"))),
          java.util.Map.of("BERTH_SHUTDOWN_TIMEOUT", "4s"), java.util.Map.of());
      long t0 = System.nanoTime();
      DefaultApp.validateBeforeJoin(vertx, config);
      System.out.printf("a good clustered config checked in %d ms (the database reached once)%n",
          (System.nanoTime() - t0) / 1_000_000);
      // Wrong password: named, and never shown.
      io.berth.config.ConfigReader wrong = io.berth.config.ConfigReader.of(clustered()
          .put("store", new JsonObject().put("type", "postgres").put("url", pg.url(db))
              .put("user", io.berth.testing.Postgres.USER).put("password", "not-the-password"))
          .put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("t").toString())));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> DefaultApp.validateBeforeJoin(vertx, wrong))
          .isInstanceOf(io.berth.config.ConfigException.class).hasMessageContaining("store.password")
          .hasMessageNotContaining("not-the-password");
    } finally {
      vertx.close();
    }
  }
}
