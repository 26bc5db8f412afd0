package io.berth.bench.durable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.berth.bench.core.Log;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one PostgreSQL server of a bench run (zonky's embedded PostgreSQL, started on first use, stopped at exit), the
 * same for every system: {@code synchronous_commit=on} (zonky's default is off), {@code fsync=on}. Each system gets
 * a database of its own, so no schema or table statistics carry over from one system to the next.
 */
public final class Pg {
  private Pg() {}

  public static final String USER = "postgres";
  public static final String PASSWORD = "postgres";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static EmbeddedPostgres server;

  /** The server, started at the first call (2-15 s). */
  public static synchronized EmbeddedPostgres server() throws Exception {
    if (server == null) {
      long t0 = System.nanoTime();
      server = EmbeddedPostgres.builder()
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("fsync", "on")
          .setServerConfig("max_connections", "300")
          .setServerConfig("shared_buffers", "128MB")
          .start();
      Log.progress("PostgreSQL %s started on port %d in %.1fs (synchronous_commit=on)",
          version(), server.getPort(), (System.nanoTime() - t0) / 1e9);
      Runtime.getRuntime().addShutdownHook(new Thread(Pg::stop, "bench-pg-stop"));
    }
    return server;
  }

  public static synchronized void stop() {
    if (server != null) {
      try {
        server.close();
      } catch (Exception ignored) {
        // exiting anyway
      }
      server = null;
    }
  }

  private static String version() {
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
         var rs = s.executeQuery("show server_version")) {
      rs.next();
      return rs.getString(1);
    } catch (Exception e) {
      return "?";
    }
  }

  /**
   * The server's port: the bench's own server, or in a child JVM the parent's, passed as {@code -Dbench.pg.port}
   * (children never start a server of their own).
   */
  public static int port() throws Exception {
    Integer external = Integer.getInteger("bench.pg.port");
    return external != null ? external : server().getPort();
  }

  /** The databases this JVM created and has not dropped yet. */
  private static final java.util.List<String> CREATED = new java.util.ArrayList<>();

  /** Creates a fresh database named {@code prefix_<n>} and returns its name. */
  public static String createDatabase(String prefix) throws Exception {
    String name = prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
         Statement s = c.createStatement()) {
      s.execute("create database " + name);
    }
    synchronized (Pg.class) {
      CREATED.add(name);
    }
    return name;
  }

  /**
   * Between two systems: drops every database this JVM created (the systems that used them are closed) and
   * checkpoints, so that one system's leftovers (autovacuum of its churn, its dirty pages) do not land in the next
   * one's figures. Does nothing while the server is not started.
   */
  public static synchronized void reset() {
    if (server == null || CREATED.isEmpty()) return;
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
         Statement s = c.createStatement()) {
      for (String db : CREATED) s.execute("drop database if exists " + db + " with (force)");
      CREATED.clear();
      s.execute("checkpoint");
    } catch (Exception e) {
      Log.progress("PostgreSQL reset between systems failed: %s", e);
    }
  }

  public static String jdbcUrl(String db) throws Exception {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + db;
  }

  /** {@code postgresql://127.0.0.1:<port>/<db>}, the URI form of Berth's {@code store.url}. */
  public static String uri(String db) throws Exception {
    return "postgresql://127.0.0.1:" + port() + "/" + db;
  }

  /** A HikariCP pool of {@code size} connections to {@code db}. */
  public static HikariDataSource pool(String db, int size) throws Exception {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl(db));
    c.setUsername(USER);
    c.setPassword(PASSWORD);
    c.setMaximumPoolSize(size);
    c.setMinimumIdle(Math.min(size, 8));
    c.setPoolName("bench-" + db);
    return new HikariDataSource(c);
  }
}
