package io.berth.bench.durable;

import com.zaxxer.hikari.HikariDataSource;
import io.berth.bench.queue.ItemHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration;
import org.jobrunr.scheduling.BackgroundJob;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.storage.sql.sqlite.SqLiteStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * JobRunr on SQLite (WAL, synchronous=FULL: the same durability as Berth's SQLite store; one pooled connection) or on
 * the bench's PostgreSQL (HikariCP, {@value #PG_POOL} connections). Items are
 * {@code BackgroundJob.enqueue(() -> JobRunrDurable.run(payload))}; accept-only runs start no background job server.
 * Poll: JobRunr's default (15 s) or the smallest it accepts for SQL storage ({@link #FAST_POLL}).
 */
public final class JobRunrDurable implements DurableSystem {
  /** JobRunr 7 refuses a poll interval under 5 s for anything but its in-memory storage. */
  static final Duration FAST_POLL = Duration.ofSeconds(5);
  static final Duration DEFAULT_POLL = Duration.ofSeconds(15);
  static final int PG_POOL = 64;
  static volatile ItemHandler handler;

  private final BerthDurable.Store store;
  private final Boolean fastPoll;
  private HikariDataSource pool;
  private Path dir;

  /** {@code fastPoll} null: accept only, the poll interval plays no part (nor in the name). */
  public JobRunrDurable(BerthDurable.Store store, Boolean fastPoll) {
    this.store = store;
    this.fastPoll = fastPoll;
  }

  /** The job method JobRunr invokes. */
  public static void run(long payload) {
    handler.onRun(payload);
  }

  @Override public String name() {
    return "JobRunr " + (store == BerthDurable.Store.SQLITE ? "SQLite" : "PostgreSQL")
        + (fastPoll == null ? "" : " (poll " + poll().toSeconds() + " s" + (fastPoll ? ", its minimum" : ", default") + ")");
  }

  Duration poll() { return Boolean.FALSE.equals(fastPoll) ? DEFAULT_POLL : FAST_POLL; }

  @Override public void start(int workers, ItemHandler h) throws Exception {
    handler = h;
    DataSource ds;
    StorageProvider sp;
    if (store == BerthDurable.Store.SQLITE) {
      dir = Files.createTempDirectory("berth-bench-jobrunr");
      SQLiteConfig c = new SQLiteConfig();
      c.setJournalMode(SQLiteConfig.JournalMode.WAL);
      c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
      c.setBusyTimeout(30_000);
      SQLiteDataSource sqlite = new SQLiteDataSource(c);
      sqlite.setUrl("jdbc:sqlite:" + dir.resolve("jobrunr.db"));
      // One connection: with several, JobRunr's read-then-write transactions fail with SQLITE_BUSY (a reader cannot
      // upgrade to writer in WAL mode, whatever the busy timeout) and its server never picks a job up.
      com.zaxxer.hikari.HikariConfig hc = new com.zaxxer.hikari.HikariConfig();
      hc.setDataSource(sqlite);
      hc.setMaximumPoolSize(1);
      hc.setPoolName("bench-jobrunr-sqlite");
      pool = new HikariDataSource(hc);
      ds = pool;
      sp = new SqLiteStorageProvider(ds);
    } else {
      pool = Pg.pool(Pg.createDatabase("jobrunr"), PG_POOL);
      ds = pool;
      sp = new PostgresStorageProvider(ds);
    }
    JobRunrConfiguration conf = JobRunr.configure()
        .useJsonMapper(new JacksonJsonMapper())
        .useStorageProvider(sp);
    if (workers > 0) {
      conf = conf.useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
          .andWorkerCount(workers).andPollInterval(poll()));
    }
    conf.initialize();
  }

  @Override public void enqueue(long payload) {
    BackgroundJob.enqueue(() -> JobRunrDurable.run(payload));
  }

  @Override public void close() {
    try {
      JobRunr.destroy();
    } finally {
      if (pool != null) pool.close();
      DurableFiles.deleteTree(dir);
    }
  }

  @Override public String notes() {
    String poll = fastPoll == null ? "" : "; poll " + poll().toSeconds() + " s";
    return (store == BerthDurable.Store.SQLITE ? "WAL, synchronous=FULL, 1 pooled connection (more: SQLITE_BUSY)"
        : "HikariCP " + PG_POOL + " connections") + poll;
  }

  @Override public boolean pollBound() { return Boolean.FALSE.equals(fastPoll); }

  @Override public int maxE2eItems(boolean quick) { return quick ? 200 : 1_000; }
}
