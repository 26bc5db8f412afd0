package io.berth.bench.queue;

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

/**
 * Quartz with the RAM job store and T threads: one job + one immediate trigger per item
 * (non-durable, so Quartz deletes the job after it fires).
 */
public final class QuartzSystem implements QueueSystem {
  private static final AtomicLong INSTANCES = new AtomicLong();
  static volatile ItemHandler handler;

  private Scheduler scheduler;
  private final AtomicLong seq = new AtomicLong();
  private int threads;

  /** Quartz instantiates this per execution (SimpleJobFactory). */
  public static final class NoopJob implements Job {
    @Override public void execute(JobExecutionContext ctx) {
      handler.onRun(ctx.getMergedJobDataMap().getLong("p"));
    }
  }

  @Override public String name() { return "Quartz RAMJobStore(" + threads + ")"; }

  @Override public void start(int threads, ItemHandler h) throws Exception {
    this.threads = threads;
    handler = h;
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "bench-" + INSTANCES.incrementAndGet());
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
    p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "600000");
    // documented tuning for many immediate triggers: acquire up to T triggers per scheduler-thread pass
    p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(threads));
    scheduler = new StdSchedulerFactory(p).getScheduler();
    scheduler.start();
  }

  @Override public void submit(long payload) throws Exception {
    long n = seq.incrementAndGet();
    JobDetail job = JobBuilder.newJob(NoopJob.class).withIdentity("j" + n).usingJobData("p", payload).build();
    Trigger trigger = TriggerBuilder.newTrigger().withIdentity("t" + n).startNow()
        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
        .build();
    scheduler.scheduleJob(job, trigger);
  }

  @Override public void close() throws Exception {
    scheduler.shutdown(true);
  }

  @Override public int maxItems(QueueKind kind, boolean quick) {
    return Integer.MAX_VALUE;
  }

  @Override public String notes() { return "RAMJobStore, batchTriggerAcquisitionMaxCount=T"; }
}
