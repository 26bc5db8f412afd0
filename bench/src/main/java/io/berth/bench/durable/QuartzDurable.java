package io.berth.bench.durable;

import com.zaxxer.hikari.HikariDataSource;
import io.berth.bench.queue.ItemHandler;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Quartz with its JDBC job store ({@code JobStoreTX}, {@code PostgreSQLDelegate}, the schema shipped in the Quartz
 * jar) on the bench's PostgreSQL, HikariCP with {@value #PG_POOL} connections: one job + one immediate trigger per
 * item. Quartz wakes its scheduler thread when a trigger is scheduled in the same JVM, so it has no poll interval to
 * tune; triggers are acquired {@code T} at a time. Accept-only runs leave the scheduler in standby.
 */
public final class QuartzDurable implements DurableSystem {
  private static final AtomicLong INSTANCES = new AtomicLong();
  static final int PG_POOL = 64;
  static volatile ItemHandler handler;

  private HikariDataSource pool;
  private Scheduler scheduler;
  private final AtomicLong seq = new AtomicLong();

  /** Quartz instantiates this per execution. */
  public static final class NoopJob implements Job {
    @Override public void execute(JobExecutionContext ctx) {
      handler.onRun(ctx.getMergedJobDataMap().getLong("p"));
    }
  }

  @Override public String name() { return "Quartz JDBC PostgreSQL"; }

  @Override public void start(int workers, ItemHandler h) throws Exception {
    handler = h;
    pool = Pg.pool(Pg.createDatabase("quartz"), PG_POOL);
    try (InputStream in = StdSchedulerFactory.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql");
         Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^\\s*--.*$", "");
      for (String stmt : sql.split(";")) {
        String t = stmt.trim();
        if (!t.isEmpty() && !t.equalsIgnoreCase("commit")) s.execute(t);
      }
    }
    String dsName = "bench" + INSTANCES.incrementAndGet();
    HikariDataSource ds = pool;
    DBConnectionManager.getInstance().addConnectionProvider(dsName, new ConnectionProvider() {
      @Override public Connection getConnection() throws SQLException { return ds.getConnection(); }
      @Override public void shutdown() { }
      @Override public void initialize() { }
    });
    int threads = Math.max(1, workers);
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", dsName);
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
    p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
    p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
    p.setProperty("org.quartz.jobStore.dataSource", dsName);
    p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "600000");
    p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(threads));
    p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
    scheduler = new StdSchedulerFactory(p).getScheduler();
    if (workers > 0) scheduler.start();
  }

  @Override public void enqueue(long payload) throws Exception {
    long n = seq.incrementAndGet();
    JobDetail job = JobBuilder.newJob(NoopJob.class).withIdentity("j" + n).usingJobData("p", payload).build();
    Trigger trigger = TriggerBuilder.newTrigger().withIdentity("t" + n).startNow()
        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
        .build();
    scheduler.scheduleJob(job, trigger);
  }

  @Override public void close() throws Exception {
    try {
      if (scheduler != null) scheduler.shutdown(true);
    } finally {
      if (pool != null) pool.close();
    }
  }

  @Override public String notes() {
    return "JobStoreTX + PostgreSQLDelegate, HikariCP " + PG_POOL + " connections, batchTriggerAcquisitionMaxCount=T";
  }

  @Override public int maxE2eItems(boolean quick) { return quick ? 200 : 600; }
}
