package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.core.internal.Futures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The embedded SQLite database of the work module: one file ({@code store.path}), WAL, locked for this process
 * ({@code locking_mode=EXCLUSIVE}), and ONE writer thread ({@code berth-store}) that owns the only connection. Every
 * read and write is an {@link Op} run by that thread; the ops that arrive while a transaction commits go into the
 * next one (group commit), so an append costs a share of one fsync. After the ops of a transaction, each queue's
 * store claims its next batch in the same transaction.
 */
final class SqliteDatabase implements StoreBackend {

  private static final Logger log = LoggerFactory.getLogger(SqliteDatabase.class);
  /** The schema this code writes; a file with a higher version is refused. */
  static final int SCHEMA_VERSION = 3;
  /** How often the writer looks for finished items past their retention, when it found none to delete. */
  static final long RETENTION_EVERY_MS = 1000;
  private static final int MAX_OPS_PER_TRANSACTION = 8192;

  /** One unit of work for the writer: {@link #run} inside the transaction, then one of the two outcomes. */
  interface Op {
    void run(Connection c) throws SQLException;

    /** After the commit (on the writer thread): must be quick. */
    default void committed() {
    }

    /** The op or its transaction failed: nothing of it was written. */
    default void failed(Throwable e) {
    }
  }

  /** Statements run by the writer, in its transaction, with a result. */
  interface Sql<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code sql} on the writer (in its transaction); {@code then} runs on the writer after the commit (quick),
   * and the future completes on the caller's context (outside Vert.x: on the writer). A failure completes it with a
   * {@code store_unavailable} {@link WorkException} whose message is {@code failure} followed by the cause's.
   */
  <T> Future<T> call(Sql<T> sql, Consumer<T> then, String failure) {
    Promise<T> done = Promise.promise();
    Context caller = Vertx.currentContext();
    submit(new Op() {
      T result;

      @Override
      public void run(Connection c) throws SQLException {
        result = sql.run(c);
      }

      @Override
      public void committed() {
        then.accept(result);
        done.complete(result);
      }

      @Override
      public void failed(Throwable e) {
        done.fail(e instanceof WorkException ? e : new WorkException(WorkException.STORE_UNAVAILABLE,
            failure + e.getMessage()));
      }
    });
    return Futures.backOn(caller, done.future());
  }

  /** A test seam's statements, run on the writer; waits for the commit. */
  private void callForTest(Sql<Void> sql) {
    call(sql, v -> { }, "a test statement failed: ").toCompletionStage().toCompletableFuture().join();
  }

  private static final Op NUDGE = c -> { };

  private final Path path;
  private final Connection connection;
  private final BlockingQueue<Op> ops = new LinkedBlockingQueue<>();
  private final List<SqliteItemStore> stores = new CopyOnWriteArrayList<>();
  private final StoreStats stats = new StoreStats();
  private final Thread writer;
  private volatile boolean closing;
  private volatile boolean closed;
  /** Writer-only: when the writer next looks for finished items past their retention; whether it left some. */
  private long nextRetentionAt;
  private boolean retentionLeft;
  private long lastRetentionAt;
  /** Under load, the least time between two retention batches. */
  static final long RETENTION_PAUSE_MS = 100;

  private SqliteDatabase(Path path, Connection connection) {
    this.path = path;
    this.connection = connection;
    this.writer = new Thread(this::writeLoop, "berth-store");
    writer.setDaemon(true);
  }

  /**
   * Opens (or creates) the store file, migrates its schema and puts the items left {@code running} by the last
   * process back to {@code queued} (their attempt stays counted).
   *
   * @throws ConfigException naming {@code store.path} when the file cannot be used: unwritable, locked by another
   *                         process, not a database, or of a newer schema
   */
  static SqliteDatabase open(Path path, boolean fullSync) {
    Path file = path.toAbsolutePath().normalize();
    Path dir = file.getParent();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw refused(file, "cannot create its folder " + dir + " (" + e + "); make it writable or pick another path");
    }
    if (!Files.isWritable(dir) || (Files.exists(file) && !Files.isWritable(file))) {
      throw refused(file, "is not writable; make " + (Files.exists(file) ? file : dir) + " writable or pick another"
          + " path");
    }
    prepareNativeFolder(dir.resolve("tmp"));
    Connection c = null;
    try {
      c = DriverManager.getConnection("jdbc:sqlite:" + file);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 0");
        s.execute("PRAGMA locking_mode = EXCLUSIVE");
        s.execute("PRAGMA journal_mode = WAL");
        s.execute("PRAGMA synchronous = " + (fullSync ? "FULL" : "NORMAL"));
      }
      int recovered;
      try (Statement s = c.createStatement()) {
        // Exclusive at once, and kept (locking_mode): a second Berth on the same file is refused here.
        s.execute("BEGIN EXCLUSIVE");
        recovered = migrateAndRecover(c, file);
        s.execute("COMMIT");
      }
      c.setAutoCommit(false);
      SqliteDatabase db = new SqliteDatabase(file, c);
      db.writer.start();
      log.info("Work store: SQLite at {} (synchronous={}){}", file, fullSync ? "FULL" : "NORMAL",
          recovered == 0 ? "" : "; " + recovered + " item(s) running at the last stop are queued again");
      return db;
    } catch (SQLException e) {
      closeQuietly(c);
      throw refused(file, describe(e));
    } catch (ConfigException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private static int migrateAndRecover(Connection c, Path file) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS berth_schema (version INTEGER NOT NULL)");
      int version = 0;
      try (ResultSet r = s.executeQuery("SELECT max(version) FROM berth_schema")) {
        if (r.next()) {
          version = r.getInt(1);
        }
      }
      if (version > SCHEMA_VERSION) {
        throw refused(file, "has schema version " + version + ", newer than this Berth's (" + SCHEMA_VERSION
            + "); run a newer Berth on it, or point store.path at another file");
      }
      if (version < 1) {
        s.execute("CREATE TABLE items ("
            + " seq INTEGER PRIMARY KEY,"          // admission order, the claim's tie-break
            + " id TEXT NOT NULL UNIQUE,"
            + " queue TEXT NOT NULL,"
            + " type TEXT NOT NULL,"
            + " payload TEXT NOT NULL,"            // JSON
            + " state TEXT NOT NULL,"              // ItemState.label()
            + " attempts INTEGER NOT NULL DEFAULT 0,"
            + " run_at INTEGER NOT NULL,"          // epoch ms: not claimed before
            + " enqueued_at INTEGER NOT NULL,"
            + " started_at INTEGER,"
            + " finished_at INTEGER,"
            + " error TEXT,"
            + " lease_owner TEXT,"                 // the claiming node (a cluster store expires leases)
            + " lease_until INTEGER)");
        s.execute("CREATE INDEX items_claim ON items (queue, state, run_at, seq)");
      }
      if (version < 2) {
        // v2: the error of each failed attempt (a JSON array, the last 10); the unique key of an item; listings;
        // a queue's pause, which survives restarts.
        s.execute("ALTER TABLE items ADD COLUMN errors TEXT");
        s.execute("ALTER TABLE items ADD COLUMN key TEXT");
        s.execute("CREATE UNIQUE INDEX items_key ON items (queue, key) WHERE key IS NOT NULL"
            + " AND state IN ('queued', 'running')");
        s.execute("CREATE INDEX items_list ON items (queue, seq)");   // listings, newest first
        s.execute("CREATE TABLE queues (name TEXT PRIMARY KEY, paused INTEGER NOT NULL DEFAULT 0)");
      }
      if (version < 3) {
        // v3: the claim of a type with a concurrency limit; the unique window (keys of finished items); retention
        // (finished items by end time); the timed services' run ledger.
        s.execute("CREATE INDEX items_type_claim ON items (queue, type, state, run_at, seq)");
        s.execute("CREATE INDEX items_key_all ON items (queue, key) WHERE key IS NOT NULL");
        s.execute("CREATE INDEX items_finished ON items (queue, finished_at, seq)"
            + " WHERE state IN ('succeeded', 'failed', 'cancelled', 'timed-out')");
        s.execute("CREATE TABLE run_ledger (service TEXT PRIMARY KEY, last_run_at INTEGER, next_run_at INTEGER,"
            + " paused INTEGER NOT NULL DEFAULT 0)");
      }
      if (version < SCHEMA_VERSION) {
        s.execute("DELETE FROM berth_schema");
        s.execute("INSERT INTO berth_schema (version) VALUES (" + SCHEMA_VERSION + ")");
        if (version > 0) {
          log.info("Work store: {} migrated from schema {} to {}", file, version, SCHEMA_VERSION);
        }
      }
      // Single node: whatever the last process left running runs again (its attempt was counted at the claim).
      return s.executeUpdate("UPDATE items SET state = 'queued', lease_owner = NULL, lease_until = NULL"
          + " WHERE state = 'running'");
    }
  }

  /**
   * Points sqlite-jdbc's native library extraction at Berth's own folder (once per JVM) and removes what earlier
   * processes left there (a killed JVM leaves its {@code .so} and {@code .lck}).
   */
  private static void prepareNativeFolder(Path tmp) {
    if (System.getProperty("org.sqlite.tmpdir") != null) {
      return;
    }
    try {
      Files.createDirectories(tmp);
      try (DirectoryStream<Path> old = Files.newDirectoryStream(tmp, "sqlite-*")) {
        for (Path p : old) {
          Files.deleteIfExists(p);
        }
      }
      System.setProperty("org.sqlite.tmpdir", tmp.toString());
    } catch (IOException e) {
      log.warn("Work store: cannot use {} for SQLite's native library ({}); it goes to the system's temp folder",
          tmp, e.toString());
    }
  }

  private static String describe(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("SQLITE_BUSY") || m.contains("locked")) {
      return "is locked by another process (another Berth running on the same data folder?); stop it or pick"
          + " another path";
    }
    if (m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT") || m.contains("not a database")
        || m.contains("malformed")) {
      return "is not a valid SQLite database (corrupt?); restore it from a backup, move it away, or pick another"
          + " path (" + m + ")";
    }
    return "cannot be opened: " + m;
  }

  private static ConfigException refused(Path file, String problem) {
    return new ConfigException("store.path", "the store file " + file + " " + problem);
  }

  Path path() {
    return path;
  }

  void register(SqliteItemStore store) {
    stores.add(store);
  }

  /** Hands {@code op} to the writer; fails it at once after {@link #close()}. */
  void submit(Op op) {
    if (closing) {
      op.failed(new WorkException(WorkException.STORE_UNAVAILABLE, "the store " + path + " is closed"));
      return;
    }
    ops.offer(op);
  }

  /** Wakes the writer without an op (a store wants its next batch). */
  void nudge() {
    ops.offer(NUDGE);
  }

  /** Ends the writer once every op submitted so far is written, and closes the file; blocks (not on an event loop). */
  @Override
  public ItemStore itemStore(QueueOptions options, java.util.Map<String, Handlers.Entry> handlers) {
    return new SqliteItemStore(options, this, handlers::get);
  }

  @Override
  public String describe() {
    return "SQLite at " + path;
  }

  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    ops.offer(NUDGE);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(connection);
    closed = true;
    log.info("Work store: {} closed", path);
  }

  boolean isClosed() {
    return closed;
  }

  private void writeLoop() {
    List<Op> batch = new ArrayList<>();
    while (true) {
      Op first;
      try {
        first = ops.poll(waitMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (first != null) {
        batch.add(first);
        ops.drainTo(batch, MAX_OPS_PER_TRANSACTION);
      }
      transaction(batch);
      batch.clear();
      if (closing && ops.isEmpty()) {
        return;
      }
      retain();
    }
  }

  /** How long the writer may sleep: until the earliest due time a store waits for, at most a second. */
  private long waitMillis() {
    long now = System.currentTimeMillis();
    long wait = retentionLeft ? 0 : Math.max(0, Math.min(1000, nextRetentionAt - now));
    for (SqliteItemStore s : stores) {
      wait = Math.min(wait, s.millisUntilDue(now));
    }
    return Math.max(0, wait);
  }

  @Override
  public StoreStats stats() {
    return stats;
  }

  private void transaction(List<Op> batch) {
    long begun = System.nanoTime();
    List<Op> done = new ArrayList<>(batch.size());
    List<Op> refused = new ArrayList<>();
    List<Throwable> why = new ArrayList<>();
    try {
      for (Op op : batch) {
        try {
          op.run(connection);
          done.add(op);
        } catch (SQLException e) {
          if (isFatal(e)) {
            throw e;
          }
          refused.add(op);
          why.add(e);
        }
      }
      long now = System.currentTimeMillis();
      for (SqliteItemStore s : stores) {
        s.claimAhead(connection, now);
      }
      connection.commit();
      if (!batch.isEmpty()) {
        stats.committed(batch.size(), System.nanoTime() - begun);
      }
    } catch (SQLException | RuntimeException e) {
      rollback();
      for (SqliteItemStore s : stores) {
        s.claimRolledBack();
        s.resetStatements();
      }
      log.error("Work store: a transaction of {} op(s) on {} failed and was rolled back: {}", batch.size(), path,
          e.toString());
      WorkException failure = new WorkException(WorkException.STORE_UNAVAILABLE, "the store " + path
          + " could not write (" + e.getMessage() + ")");
      for (Op op : batch) {
        op.failed(failure);
      }
      return;
    }
    for (SqliteItemStore s : stores) {
      guarded(s::claimCommitted);
    }
    for (Op op : done) {
      guarded(op::committed);
    }
    for (int i = 0; i < refused.size(); i++) {
      Op op = refused.get(i);
      Throwable e = why.get(i);
      guarded(() -> op.failed(e));
    }
  }

  /**
   * Between transactions: one small batch per queue of finished items past their retention, in a transaction of
   * its own, so the write lock is held for a few hundred rows at a time; the ops that arrived meanwhile run first.
   */
  private void retain() {
    long now = System.currentTimeMillis();
    if (!retentionLeft && now < nextRetentionAt) {
      return;
    }
    if (!ops.isEmpty() && now - lastRetentionAt < RETENTION_PAUSE_MS) {
      // Under load a batch costs a commit (an fsync) of its own: at most one per pause, the items' commits first.
      return;
    }
    lastRetentionAt = now;
    boolean left = false;
    try {
      for (SqliteItemStore s : stores) {
        left |= s.retain(connection, now);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      rollback();
      stores.forEach(SqliteItemStore::resetStatements);
      log.warn("Work store: deleting finished items past their retention on {} failed: {}", path, e.toString());
      left = false;
    }
    retentionLeft = left;
    if (!left) {
      nextRetentionAt = now + RETENTION_EVERY_MS;
    }
  }

  /**
   * Rolls back the failed transaction and makes sure the next one begins. SQLite itself rolls back a transaction
   * that hit some errors (SQLITE_FULL, an I/O error); sqlite-jdbc's rollback then fails and skips its BEGIN, and
   * every later commit would fail with "no transaction is active": so BEGIN here, which is harmless when sqlite-jdbc
   * already began the next one.
   */
  private void rollback() {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // Already rolled back by SQLite, or the connection is broken (the next transaction says so).
    }
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN");
    } catch (SQLException ignored) {
      // A transaction is open already: the usual case.
    }
  }

  /** Test seam: runs {@code sql} on the writer, in its transaction, and waits for the commit. */
  void executeForTest(String sql) {
    callForTest(c -> {
      try (Statement st = c.createStatement()) {
        st.execute(sql);
      }
      return null;
    });
  }

  /**
   * Test seam: caps the file at its current size plus {@code extraPages} pages ({@code PRAGMA max_page_count}), so
   * the next writes that need more space fail with a real {@code SQLITE_FULL}; a negative value lifts the cap.
   */
  void limitPagesForTest(int extraPages) {
    callForTest(c -> {
      try (Statement st = c.createStatement()) {
        long pages;
        try (ResultSet r = st.executeQuery("PRAGMA page_count")) {
          pages = r.next() ? r.getLong(1) : 0;
        }
        st.execute("PRAGMA max_page_count = " + (extraPages < 0 ? 1_073_741_823L : pages + extraPages));
      }
      return null;
    });
  }

  /** The timed services' ledger kept in this file ({@code run_ledger}), written by the writer like every item. */
  @Override
  public io.berth.core.RunLedger runLedger() {
    return new SqliteRunLedger(this);
  }

  /** Runs a callback after a commit: a bug in one must neither end the only writer nor skip the others. */
  private void guarded(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      log.error("Work store: a callback after a commit on {} failed", path, e);
    }
  }

  /** Errors that spoil the whole transaction (I/O, full disk), rather than one statement. */
  private static boolean isFatal(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("SQLITE_FULL") || m.contains("SQLITE_IOERR") || m.contains("SQLITE_BUSY")
        || m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_READONLY");
  }

  static PreparedStatement prepare(Connection c, String sql) throws SQLException {
    return c.prepareStatement(sql);
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // Closing: nothing to do about it.
      }
    }
  }
}
