package io.berth.bench.child;

import io.berth.bench.durable.BerthDurable;
import io.berth.bench.durable.DbSchedulerDurable;
import io.berth.bench.durable.DurableSystem;
import io.berth.bench.durable.JobRunrDurable;
import io.berth.bench.durable.QuartzDurable;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.BackgroundJob;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.quartz.JobBuilder;
import org.quartz.Scheduler;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * A peer in a child JVM holding queued items, for the memory workload:
 * {@code java -cp berth-bench.jar io.berth.bench.child.PeerChild <system> <items> <seconds>} with system one of
 * {@code jobrunr-memory}, {@code jobrunr-sqlite}, {@code jobrunr-postgres}, {@code dbscheduler-postgres},
 * {@code quartz-ram}, {@code quartz-postgres} ({@code -Dbench.pg.port} names the bench's PostgreSQL). Nothing runs
 * the items (no background server, Quartz in standby). Prints {@code FILLED <n> <heap bytes after GC>}: n can be
 * less than asked when the peer could not accept them within {@code seconds}.
 */
public final class PeerChild {
  private PeerChild() {}

  public static void noop(long payload) {
    // the job JobRunr would run
  }

  public static void main(String[] args) throws Exception {
    String system = args[0];
    int items = Integer.parseInt(args[1]);
    Enqueuer e = switch (system) {
      case "jobrunr-memory" -> {
        JobRunr.configure().useJsonMapper(new JacksonJsonMapper()).useStorageProvider(new InMemoryStorageProvider())
            .initialize();
        yield p -> BackgroundJob.enqueue(() -> PeerChild.noop(p));
      }
      case "quartz-ram" -> {
        Properties props = new Properties();
        props.setProperty("org.quartz.scheduler.instanceName", "bench-ram");
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.threadPool.threadCount", "4");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        Scheduler s = new StdSchedulerFactory(props).getScheduler();
        yield p -> s.scheduleJob(JobBuilder.newJob(QuartzDurable.NoopJob.class).withIdentity("j" + p)
            .usingJobData("p", p).build(), TriggerBuilder.newTrigger().withIdentity("t" + p).startNow().build());
      }
      default -> {
        DurableSystem d = switch (system) {
          case "jobrunr-sqlite" -> new JobRunrDurable(BerthDurable.Store.SQLITE, null);
          case "jobrunr-postgres" -> new JobRunrDurable(BerthDurable.Store.POSTGRES, null);
          case "dbscheduler-postgres" -> new DbSchedulerDurable(null);
          case "quartz-postgres" -> new QuartzDurable();
          default -> throw new IllegalArgumentException("unknown system " + system);
        };
        d.start(0, p -> { });
        yield d::enqueue;
      }
    };
    System.out.println("STARTED");
    long deadline = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;   // from here: start-up excluded
    AtomicLong next = new AtomicLong();
    AtomicLong accepted = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      Thread th = new Thread(() -> {
        long p;
        while ((p = next.getAndIncrement()) < items && System.nanoTime() < deadline) {
          try {
            e.enqueue(p);
            accepted.incrementAndGet();
          } catch (Exception ex) {
            System.out.println("ENQUEUE-FAILED " + ex);
            return;
          }
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) th.join();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.println("FILLED " + accepted.get() + " " + (rt.totalMemory() - rt.freeMemory()));
    System.out.flush();
    new CountDownLatch(1).await();
  }

  interface Enqueuer {
    void enqueue(long payload) throws Exception;
  }
}
