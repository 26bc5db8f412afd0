package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A PostgreSQL store that cannot be used is a config error naming the key, in one line, never with the password. */
@ExtendWith(VertxExtension.class)
class PostgresConfigTest {

  private static final Postgres pg = Postgres.shared();

  private static Host.Builder host(Vertx vertx, JsonObject store) {
    return Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(new JsonObject().put("store", store)))
        .queue(new QueueOptions("q")).handler("t", ctx -> { });
  }

  private static ConfigException refused(Vertx vertx, JsonObject store) {
    try {
      host(vertx, store).build();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(Postgres.PASSWORD).doesNotContain("wrong-pw");
      return e;
    }
    throw new AssertionError("the host was built");
  }

  @Test
  void anUnreachableServerNamesStoreUrl(Vertx vertx) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    ConfigException e = refused(vertx, PgNodes.storeConfig("postgresql://127.0.0.1:" + closed + "/berth"));
    assertThat(e.key()).isEqualTo("store.url");
    assertThat(e.getMessage()).contains("cannot reach PostgreSQL at postgresql://127.0.0.1:" + closed + "/berth");
  }

  @Test
  void aWrongPasswordNamesStorePasswordAndAMissingDatabaseStoreUrl(Vertx vertx) {
    String db = pg.database();
    ConfigException e = refused(vertx, PgNodes.storeConfig(pg.url(db)).put("password", "wrong-pw"));
    assertThat(e.key()).isEqualTo("store.password");
    assertThat(e.getMessage()).contains("refused the password of user 'berth'");
    ConfigException missing = refused(vertx, PgNodes.storeConfig(pg.url("no_such_db")));
    assertThat(missing.key()).isEqualTo("store.url");
    assertThat(missing.getMessage()).contains("no such database");
  }

  @Test
  void aNewerSchemaIsRefusedAndTheSchemaIsMigratedOnce(Vertx vertx) throws Exception {
    String db = pg.database();
    Host first = host(vertx, PgNodes.storeConfig(pg.url(db))).build();
    await(first.start());
    await(first.stop());
    Host again = host(vertx, PgNodes.storeConfig(pg.url(db))).build();   // migrated already: opens
    await(again.start());
    await(again.stop());
    try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
      s.execute("UPDATE berth_schema SET version = " + (PostgresDatabase.SCHEMA_VERSION + 1));
    }
    ConfigException e = refused(vertx, PgNodes.storeConfig(pg.url(db)));
    assertThat(e.key()).isEqualTo("store.url");
    assertThat(e.getMessage()).contains("schema version " + (PostgresDatabase.SCHEMA_VERSION + 1)).contains("newer");
  }

  @Test
  void credentialsComeFromTheEnvironmentAndBadValuesAreRefused() {
    JsonObject store = new JsonObject().put("type", "postgres").put("url", "postgresql://${PGHOST_T}:5432/berth")
        .put("user", "${PGUSER_T}").put("password", "${PGPASS_T}").put("poolSize", 8);
    StoreOptions o = new StoreOptions().read(ConfigReader.of(new JsonObject().put("store", store)).section("store"),
        Map.of("PGHOST_T", "db.example.com", "PGUSER_T", "app", "PGPASS_T", "pw"));
    assertThat(o.type()).isEqualTo(StoreOptions.Type.POSTGRES);
    assertThat(o.url()).isEqualTo("postgresql://db.example.com:5432/berth");
    assertThat(o.user()).isEqualTo("app");
    assertThat(o.password()).isEqualTo("pw");
    assertThat(o.poolSize()).isEqualTo(8);
    assertThat(o.toString()).doesNotContain("pw");

    assertThatThrownBy(() -> new StoreOptions().read(ConfigReader.of(new JsonObject().put("store", store))
        .section("store"), Map.of("PGHOST_T", "h", "PGUSER_T", "app")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("PGPASS_T")
        .extracting(x -> ((ConfigException) x).key()).isEqualTo("store.password");
    assertThatThrownBy(() -> new StoreOptions().read(ConfigReader.of(new JsonObject().put("store",
        new JsonObject().put("type", "postgres"))).section("store"), Map.of()))
        .isInstanceOf(ConfigException.class).extracting(x -> ((ConfigException) x).key()).isEqualTo("store.url");
    assertThatThrownBy(() -> new StoreOptions().read(ConfigReader.of(new JsonObject().put("store",
        new JsonObject().put("type", "postgres").put("url", "mysql://h/db"))).section("store"), Map.of()))
        .isInstanceOf(ConfigException.class).extracting(x -> ((ConfigException) x).key()).isEqualTo("store.url");
    assertThatThrownBy(() -> new StoreOptions().read(ConfigReader.of(new JsonObject().put("store",
        new JsonObject().put("type", "postgres").put("url", "postgresql://h/db").put("poolSize", 0)))
        .section("store"), Map.of()))
        .isInstanceOf(ConfigException.class).extracting(x -> ((ConfigException) x).key()).isEqualTo("store.poolSize");
  }
}
