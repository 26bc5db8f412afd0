package io.berth.bench.queue;

import java.time.Duration;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.BackgroundJob;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.InMemoryStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * JobRunr with the InMemoryStorageProvider, T workers and the smallest poll interval it accepts
 * for in-memory storage (200 ms in 7.x; SQL/NoSQL storage require 5 s). Items are enqueued with
 * {@code BackgroundJob.enqueue(() -> JobRunrSystem.run(payload))}.
 */
public final class JobRunrSystem implements QueueSystem {
  static final Duration POLL = Duration.ofMillis(200);
  static volatile ItemHandler handler;
  private int threads;

  /** The job method JobRunr invokes (must be public and static-reachable for its lambda analysis). */
  public static void run(long payload) {
    handler.onRun(payload);
  }

  @Override public String name() { return "JobRunr in-memory(" + threads + ")"; }

  @Override public void start(int threads, ItemHandler h) {
    this.threads = threads;
    handler = h;
    JobRunr.configure()
        .useJsonMapper(new JacksonJsonMapper())
        .useStorageProvider(new InMemoryStorageProvider())
        .useBackgroundJobServer(BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
            .andWorkerCount(threads)
            .andPollInterval(POLL))
        .initialize();
  }

  @Override public void submit(long payload) {
    BackgroundJob.enqueue(() -> JobRunrSystem.run(payload));
  }

  @Override public void close() {
    JobRunr.destroy();
  }

  @Override public int maxItems(QueueKind kind, boolean quick) {
    // InMemoryStorageProvider slows down sharply with a large backlog (10,000 queued items ran at
    // ~120-250 items/s and timed out at 60 s), so runs are kept small.
    return kind == QueueKind.THROUGHPUT ? (quick ? 500 : 2_000) : (quick ? 500 : 1_000);
  }

  @Override public String notes() { return "InMemoryStorageProvider, poll " + POLL.toMillis() + " ms"; }
}
