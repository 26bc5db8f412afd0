package io.berth.bench.durable;

import io.berth.bench.queue.ItemHandler;

/**
 * A durable queue or scheduler measured by the durable workloads: items are stored before {@link #enqueue} returns.
 * Implementations are used from many producer threads at once.
 */
public interface DurableSystem {

  /** Table name, such as {@code Berth SQLite (FULL)}; Berth's start with "Berth". */
  String name();

  /**
   * Starts the system with a fresh store. {@code workers} 0: accept only (no worker runs anything, so the figure is
   * the store's); otherwise that many workers run each item, calling {@code handler} first thing.
   *
   * @throws io.berth.bench.core.Skipped when this build cannot run the system (the product lacks the store)
   */
  void start(int workers, ItemHandler handler) throws Exception;

  /** Enqueues one no-op item carrying {@code payload}; returns once the item is acknowledged (stored). */
  void enqueue(long payload) throws Exception;

  void close() throws Exception;

  /** Settings a reader needs: store, pool, poll interval. */
  default String notes() { return ""; }

  /**
   * True for a peer at its default poll interval: each latency run is mostly the wait for the next poll, so it gets
   * no warm-up run (the same peer at its fastest setting warmed this JVM up just before).
   */
  default boolean pollBound() { return false; }

  /** Items for one e2e run (throughput and latency), when the system cannot do the default in the time budget. */
  default int maxE2eItems(boolean quick) { return Integer.MAX_VALUE; }
}
