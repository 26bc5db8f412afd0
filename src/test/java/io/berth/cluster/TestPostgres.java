package io.berth.cluster;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster tests' embedded PostgreSQL: one server for this package's test classes in a JVM, started on first use
 * (zonky picks the port), closed at exit; each caller gets a fresh database. (A private stand-in until the shared
 * {@code io.berth.testing.Postgres} of the PostgreSQL store is merged.)
 */
final class TestPostgres {

  private static EmbeddedPostgres server;
  private static final AtomicInteger databases = new AtomicInteger();

  private TestPostgres() {
  }

  private static synchronized EmbeddedPostgres server() {
    if (server == null) {
      try {
        server = EmbeddedPostgres.builder().start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      EmbeddedPostgres s = server;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          s.close();
        } catch (IOException ignored) {
          // at exit
        }
      }, "berth-test-postgres-close"));
    }
    return server;
  }

  /** A new, empty database; returns its name. */
  static String database() {
    String name = "cluster_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = server().getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return name;
  }

  static int port() {
    return server().getPort();
  }

  /** The URL of database {@code name}, as {@code store.url} takes it (user postgres, trusted on loopback). */
  static String url(String name) {
    return "postgresql://127.0.0.1:" + port() + "/" + name;
  }

  static PgConnectOptions connect(String name) {
    return new PgConnectOptions().setHost("127.0.0.1").setPort(port()).setDatabase(name).setUser("postgres");
  }
}
