package io.berth.bench.queue;

/**
 * Extension point for the queue workloads (throughput and latency). A Berth implementation is one
 * more class implementing this, added to {@link QueueSystems#all}.
 *
 * <p>Lifecycle per workload: {@code start} once, then warm-up and measured runs call {@code submit}
 * many times, then {@code close}. Runs are sequential; the next run starts only after every item of
 * the previous one has been executed.
 */
public interface QueueSystem {

  /** Display name; a name starting with "Berth" fills the "Berth ÷ this" column for the others. */
  String name();

  /**
   * Starts the system with {@code threads} concurrent executors. Every executed item must call
   * {@code handler.onRun(payload)} first thing, with the payload given to {@link #submit}.
   */
  void start(int threads, ItemHandler handler) throws Exception;

  /**
   * Enqueues one no-op item carrying {@code payload} (the latency workload passes the submit time
   * from {@link System#nanoTime()}; the throughput workload passes a sequence number). Called from
   * one producer thread, as fast as it returns.
   */
  void submit(long payload) throws Exception;

  /** Stops the system and releases every thread/resource. Pending items may be dropped. */
  void close() throws Exception;

  /**
   * Upper bound on items per run for this workload and mode; slow peers return less than the
   * workload's default so that the run stays bounded. The table notes the reduction.
   */
  default int maxItems(QueueKind kind, boolean quick) {
    return Integer.MAX_VALUE;
  }

  /** Fixed notes for the table (configuration that matters for interpreting the figure). */
  default String notes() {
    return "";
  }
}
