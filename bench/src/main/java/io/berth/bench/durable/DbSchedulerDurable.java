package io.berth.bench.durable;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.jdbc.DefaultJdbcCustomization;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.berth.bench.queue.ItemHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * db-scheduler: one one-time task instance per item, scheduled at {@code Instant.now()}, on one of three stores:
 * <ul>
 *   <li>the bench's PostgreSQL (its documented schema, HikariCP with {@value #POOL} connections);</li>
 *   <li>an SQLite file with Berth's file settings (WAL, {@code synchronous=FULL}, so each acknowledged insert is
 *       fsync'd as Berth's are). db-scheduler has no SQLite dialect: its autodetection falls back to its generic
 *       {@code DefaultJdbcCustomization}, whose due query ends in {@code OFFSET 0 ROWS FETCH FIRST n ROWS ONLY}, which
 *       SQLite rejects ({@code [SQLITE_ERROR] SQL error or missing database (near "OFFSET": syntax error)}), so the
 *       scheduler never finds a due task. {@link SqliteCustomization} is that generic customization with the one
 *       change SQLite needs, {@code LIMIT n}; it supports neither {@code SELECT … FOR UPDATE SKIP LOCKED} nor a
 *       single-statement lock-and-fetch, so the scheduler uses its default polling strategy, fetch-and-lock-on-execute
 *       (select due, then an optimistic {@code UPDATE … SET picked = true … WHERE version = ?} per execution);</li>
 *   <li>an H2 file (db-scheduler's own embedded store; MVStore does not sync each commit to disk, so its
 *       acknowledgement is not durable and it is not the goal's comparison).</li>
 * </ul>
 * Default: poll every 10 s, no immediate execution; fastest: immediate execution and a 100 ms poll. Accept-only runs
 * use a {@link SchedulerClient}.
 */
public final class DbSchedulerDurable implements DurableSystem {
  static final int POOL = 64;
  /**
   * SQLite connections: one writer at a time whatever the pool, and with more connections the writers wait for the
   * file lock in SQLite's busy handler (sleeps of 1-100 ms) instead of in the pool's queue. Measured in this bench
   * (durable-accept, 64 producers): 1 connection is the fastest; see {@link #sqlitePool()}.
   */
  static final int SQLITE_POOL_DEFAULT = 1;
  static final Duration FAST_POLL = Duration.ofMillis(100);
  static final Duration DEFAULT_POLL = Duration.ofSeconds(10);

  /** Where db-scheduler keeps its tasks. */
  public enum Store { POSTGRES, SQLITE, H2_FILE }

  private final Boolean fast;
  private final Store store;
  private Path dir;
  private HikariDataSource pool;
  private Scheduler scheduler;
  private SchedulerClient client;
  private OneTimeTask<Long> task;
  private final AtomicLong seq = new AtomicLong();

  /** On PostgreSQL. {@code fast} null: accept only (a client, no scheduler), named without a poll setting. */
  public DbSchedulerDurable(Boolean fast) {
    this(fast, Store.POSTGRES);
  }

  public DbSchedulerDurable(Boolean fast, Store store) {
    this.fast = fast;
    this.store = store;
  }

  /** Where this instance keeps its tasks. */
  public Store store() {
    return store;
  }

  static int sqlitePool() {
    return Integer.getInteger("bench.dbscheduler.sqlitePool", SQLITE_POOL_DEFAULT);
  }

  @Override public String name() {
    String base = switch (store) {
      case POSTGRES -> "db-scheduler PostgreSQL";
      case SQLITE -> "db-scheduler SQLite (FULL";
      case H2_FILE -> "db-scheduler H2 file (not fsync'd";
    };
    String poll = fast == null ? null : fast ? "immediate execution, poll 100 ms" : "poll 10 s, default";
    if (store == Store.POSTGRES) return poll == null ? base : base + " (" + poll + ")";
    return base + (poll == null ? ")" : "; " + poll + ")");
  }

  static final String[] SCHEMA = {
      "create table scheduled_tasks (task_name text not null, task_instance text not null, task_data bytea,"
          + " execution_time timestamp with time zone not null, picked boolean not null, picked_by text,"
          + " last_success timestamp with time zone, last_failure timestamp with time zone,"
          + " consecutive_failures int, last_heartbeat timestamp with time zone, version bigint not null,"
          + " priority smallint, primary key (task_name, task_instance))",
      "create index execution_time_idx on scheduled_tasks (execution_time)",
      "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
      "create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)"};

  /** db-scheduler's H2 schema (its documentation's). */
  static final String[] H2_SCHEMA = {
      "create table scheduled_tasks (task_name varchar(100) not null, task_instance varchar(100) not null,"
          + " task_data blob, execution_time timestamp with time zone not null, picked boolean not null,"
          + " picked_by varchar(50), last_success timestamp with time zone, last_failure timestamp with time zone,"
          + " consecutive_failures int, last_heartbeat timestamp with time zone, version bigint not null,"
          + " priority smallint, primary key (task_name, task_instance))",
      "create index execution_time_idx on scheduled_tasks (execution_time)",
      "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)"};

  /**
   * The same table in SQLite's types: sqlite-jdbc writes a {@code Timestamp} as epoch milliseconds (its default
   * {@code date_class=INTEGER}) and reads it back the same way, so the time columns are integers and db-scheduler's
   * {@code execution_time <= ?} compares numbers; {@code picked} is 0/1.
   */
  static final String[] SQLITE_SCHEMA = {
      "create table scheduled_tasks (task_name text not null, task_instance text not null, task_data blob,"
          + " execution_time integer not null, picked integer not null, picked_by text,"
          + " last_success integer, last_failure integer, consecutive_failures integer, last_heartbeat integer,"
          + " version integer not null, priority integer, primary key (task_name, task_instance))",
      "create index execution_time_idx on scheduled_tasks (execution_time)",
      "create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
      "create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)"};

  /** db-scheduler's generic JDBC customization with SQLite's {@code LIMIT n} for its due query (see the class doc). */
  static final class SqliteCustomization extends DefaultJdbcCustomization {
    SqliteCustomization() {
      super(true);
    }

    @Override public String getQueryLimitPart(int limit) {
      return " LIMIT " + limit;
    }

    @Override public String getName() {
      return "SQLite (generic, LIMIT n)";
    }
  }

  @Override public void start(int workers, ItemHandler handler) throws Exception {
    switch (store) {
      case POSTGRES -> pool = Pg.pool(Pg.createDatabase("dbscheduler"), POOL);
      case H2_FILE -> {
        dir = Files.createTempDirectory("bench-dbscheduler-h2");
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_DELAY=-1");
        c.setMaximumPoolSize(POOL);
        c.setPoolName("bench-dbscheduler-h2");
        pool = new HikariDataSource(c);
      }
      case SQLITE -> {
        dir = Files.createTempDirectory("bench-dbscheduler-sqlite");
        SQLiteConfig sc = new SQLiteConfig();
        sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sc.setBusyTimeout(30_000);
        SQLiteDataSource sqlite = new SQLiteDataSource(sc);
        sqlite.setUrl("jdbc:sqlite:" + dir.resolve("dbscheduler.db"));
        HikariConfig c = new HikariConfig();
        c.setDataSource(sqlite);
        c.setMaximumPoolSize(sqlitePool());
        c.setPoolName("bench-dbscheduler-sqlite");
        pool = new HikariDataSource(c);
      }
      default -> throw new IllegalStateException();
    }
    String[] ddl = switch (store) {
      case POSTGRES -> SCHEMA;
      case H2_FILE -> H2_SCHEMA;
      case SQLITE -> SQLITE_SCHEMA;
    };
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      for (String d : ddl) s.execute(d);
    }
    task = Tasks.oneTime("noop", Long.class).execute((inst, ctx) -> handler.onRun(inst.getData()));
    boolean sqlite = store == Store.SQLITE;
    if (workers == 0) {
      var cb = SchedulerClient.Builder.create(pool, task);
      if (sqlite) cb = cb.jdbcCustomization(new SqliteCustomization());
      client = cb.build();
      return;
    }
    var b = Scheduler.create(pool, task).threads(workers).shutdownMaxWait(Duration.ofSeconds(1));
    if (sqlite) b = b.jdbcCustomization(new SqliteCustomization());
    if (!Boolean.FALSE.equals(fast)) {
      b = b.pollingInterval(FAST_POLL).enableImmediateExecution();
    } else {
      b = b.pollingInterval(DEFAULT_POLL);
    }
    scheduler = b.build();
    scheduler.start();
    client = scheduler;
  }

  @Override public void enqueue(long payload) {
    client.schedule(task.instance("i" + seq.incrementAndGet(), payload), Instant.now());
  }

  @Override public void close() {
    try {
      if (scheduler != null) scheduler.stop();
    } finally {
      if (pool != null) pool.close();
      DurableFiles.deleteTree(dir);
    }
  }

  @Override public String notes() {
    String where = switch (store) {
      case POSTGRES -> "HikariCP " + POOL + " connections";
      case H2_FILE -> "H2 file (MVStore defaults: a commit is not synced to disk on its own, so its ack is not durable;"
          + " not the goal's comparison), HikariCP " + POOL + " connections";
      case SQLITE -> "WAL, synchronous=FULL (as Berth), HikariCP " + sqlitePool() + " connection(s); generic JDBC"
          + " customization + LIMIT n, fetch-and-lock-on-execute";
    };
    return where + (fast == null ? "" : fast ? "; immediate execution, poll 100 ms" : "; poll 10 s (default)");
  }

  @Override public boolean pollBound() { return Boolean.FALSE.equals(fast); }

  /** On SQLite (one connection, ~100 items/s end to end) fewer items in full mode, to keep the full run in budget. */
  @Override public int maxE2eItems(boolean quick) { return quick ? 300 : store == Store.SQLITE ? 1_000 : 2_500; }
}
