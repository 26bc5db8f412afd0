package io.berth.bench.durable;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import io.berth.bench.queue.ItemHandler;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * db-scheduler on the bench's PostgreSQL (its documented schema, HikariCP with {@value #PG_POOL} connections): one
 * one-time task instance per item, scheduled at {@code Instant.now()}. Default: poll every 10 s, no immediate
 * execution; fastest: immediate execution and a 100 ms poll. Accept-only runs use a {@link SchedulerClient}.
 */
public final class DbSchedulerDurable implements DurableSystem {
  static final int PG_POOL = 64;
  static final Duration FAST_POLL = Duration.ofMillis(100);
  static final Duration DEFAULT_POLL = Duration.ofSeconds(10);

  private final Boolean fast;
  /** On an H2 file (the embedded store db-scheduler supports) instead of the shared PostgreSQL. */
  private final boolean h2;
  private java.nio.file.Path h2Dir;
  private HikariDataSource pool;
  private Scheduler scheduler;
  private SchedulerClient client;
  private OneTimeTask<Long> task;
  private final AtomicLong seq = new AtomicLong();

  /** {@code fast} null: accept only (a client, no scheduler), named without a poll setting. */
  public DbSchedulerDurable(Boolean fast) {
    this(fast, false);
  }

  /** {@code h2}: on an H2 file, the embedded store to compare with Berth on SQLite. */
  public DbSchedulerDurable(Boolean fast, boolean h2) {
    this.fast = fast;
    this.h2 = h2;
  }

  @Override public String name() {
    if (h2) return "db-scheduler H2 file" + (fast == null ? "" : fast ? " (immediate execution, poll 100 ms)"
        : " (poll 10 s, default)");
    if (fast == null) return "db-scheduler PostgreSQL";
    return "db-scheduler PostgreSQL (" + (fast ? "immediate execution, poll 100 ms" : "poll 10 s, default") + ")";
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

  @Override public void start(int workers, ItemHandler handler) throws Exception {
    if (h2) {
      h2Dir = java.nio.file.Files.createTempDirectory("bench-dbscheduler-h2");
      com.zaxxer.hikari.HikariConfig c = new com.zaxxer.hikari.HikariConfig();
      c.setJdbcUrl("jdbc:h2:file:" + h2Dir.resolve("db") + ";DB_CLOSE_DELAY=-1");
      c.setMaximumPoolSize(PG_POOL);
      c.setPoolName("bench-dbscheduler-h2");
      pool = new HikariDataSource(c);
    } else {
      pool = Pg.pool(Pg.createDatabase("dbscheduler"), PG_POOL);
    }
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      for (String ddl : h2 ? H2_SCHEMA : SCHEMA) s.execute(ddl);
    }
    task = Tasks.oneTime("noop", Long.class).execute((inst, ctx) -> handler.onRun(inst.getData()));
    if (workers == 0) {
      client = SchedulerClient.Builder.create(pool, task).build();
      return;
    }
    var b = Scheduler.create(pool, task).threads(workers).shutdownMaxWait(Duration.ofSeconds(1));
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
      if (h2Dir != null) DurableFiles.deleteTree(h2Dir);
    }
  }

  @Override public String notes() {
    return (h2 ? "H2 file (MVStore defaults: a commit is not synced to disk on its own, so its ack is not durable), " : "") + "HikariCP " + PG_POOL + " connections"
        + (fast == null ? "" : fast ? "; immediate execution, poll 100 ms" : "; poll 10 s (default)");
  }

  @Override public boolean pollBound() { return Boolean.FALSE.equals(fast); }

  @Override public int maxE2eItems(boolean quick) { return quick ? 300 : 2_500; }
}
