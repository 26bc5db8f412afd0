package io.berth.bench.queue;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * db-scheduler on in-memory H2: a one-time task scheduled at {@code Instant.now()} per item, T
 * threads, immediate execution enabled, polling interval 100 ms (override: -Dbench.dbscheduler.pollMs).
 */
public final class DbSchedulerSystem implements QueueSystem {
  private static final AtomicLong DBS = new AtomicLong();
  /** db-scheduler enforces no minimum; new items are picked up by immediate execution anyway. */
  static final Duration POLL = Duration.ofMillis(Long.getLong("bench.dbscheduler.pollMs", 100));

  private JdbcConnectionPool pool;
  private Scheduler scheduler;
  private OneTimeTask<Long> task;
  private final AtomicLong seq = new AtomicLong();
  private int threads;

  @Override public String name() { return "db-scheduler H2(" + threads + ")"; }

  @Override public void start(int threads, ItemHandler handler) throws Exception {
    this.threads = threads;
    pool = JdbcConnectionPool.create("jdbc:h2:mem:dbs" + DBS.incrementAndGet() + ";DB_CLOSE_DELAY=-1", "sa", "");
    pool.setMaxConnections(threads + 8);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      s.execute("create table scheduled_tasks ("
          + " task_name varchar(100) not null,"
          + " task_instance varchar(100) not null,"
          + " task_data blob,"
          + " execution_time timestamp(6) with time zone not null,"
          + " picked boolean not null,"
          + " picked_by varchar(50),"
          + " last_success timestamp(6) with time zone,"
          + " last_failure timestamp(6) with time zone,"
          + " consecutive_failures int,"
          + " last_heartbeat timestamp(6) with time zone,"
          + " version bigint not null,"
          + " priority smallint,"
          + " primary key (task_name, task_instance))");
      s.execute("create index execution_time_idx on scheduled_tasks (execution_time)");
      s.execute("create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)");
    }
    task = Tasks.oneTime("noop", Long.class).execute((inst, ctx) -> handler.onRun(inst.getData()));
    scheduler = Scheduler.create(pool, task)
        .threads(threads)
        .pollingInterval(POLL)
        .enableImmediateExecution()
        .shutdownMaxWait(Duration.ofSeconds(1))
        .build();
    scheduler.start();
  }

  @Override public void submit(long payload) {
    scheduler.schedule(task.instance("i" + seq.incrementAndGet(), payload), Instant.now());
  }

  @Override public void close() {
    scheduler.stop();
    pool.dispose();
  }

  @Override public int maxItems(QueueKind kind, boolean quick) {
    return kind == QueueKind.THROUGHPUT ? (quick ? 500 : 10_000) : (quick ? 500 : 5_000);
  }

  @Override public String notes() { return "H2 mem, immediate execution, poll " + POLL.toMillis() + " ms"; }
}
