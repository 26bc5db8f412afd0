package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;

/**
 * Nodes of one test: hosts, each on a Vert.x of its own, sharing a fresh database of the shared test server
 * ({@link Postgres#shared()}). Create one per test and {@link #close()} it after.
 */
final class PgNodes implements AutoCloseable {

  final Postgres pg = Postgres.shared();
  /** This test's database. */
  final String database = pg.database();
  private final List<Host> hosts = new ArrayList<>();
  private final List<Vertx> vertxes = new ArrayList<>();

  /** A {@code store} section for the PostgreSQL store at {@code url}, polling every 200 ms. */
  static JsonObject storeConfig(String url) {
    return new JsonObject().put("type", "postgres").put("url", url).put("user", Postgres.USER)
        .put("password", Postgres.PASSWORD).put("pollInterval", "200ms");
  }

  /** A started host named {@code node} with the {@code store} section given. */
  Host node(String node, JsonObject store, Consumer<Host.Builder> configure) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Host.Builder b = Host.builder().vertx(vertx).nodeId(node)
        .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(2)))
        .config(ConfigReader.of(new JsonObject().put("store", store)));
    configure.accept(b);
    Host host = b.build();
    hosts.add(host);
    await(host.start());
    return host;
  }

  /** A started host named {@code node} on this test's database. */
  Host node(String node, Consumer<Host.Builder> configure) {
    return node(node, storeConfig(pg.url(database)), configure);
  }

  /** Stops every host (those a test stopped already included) and closes their Vert.x instances. */
  @Override
  public void close() {
    for (Host h : hosts) {
      try {
        await(h.stop());
      } catch (AssertionError ignored) {
        // Stopped by the test already.
      }
    }
    vertxes.forEach(v -> await(v.close()));
  }
}
