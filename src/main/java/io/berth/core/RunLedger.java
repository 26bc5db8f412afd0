package io.berth.core;

import io.vertx.core.Future;

import java.time.Instant;
import java.util.Optional;

/**
 * What timed services keep across restarts: when each last ran, when it is due next, and whether an operator paused
 * it. A module with a durable store provides it as a feature ({@code ModuleContext.provide(RunLedger.class, …)});
 * without one, timed services start afresh on every start.
 * <p>
 * The runner calls it on its event loop: both methods return at once and do their I/O elsewhere (the store's own
 * thread); their futures may complete on any thread. A runner reads its entry once, at start, and then has at most
 * one write in flight, each write carrying its whole current state, so the last write that ends is the latest state.
 * Instants may be stored with millisecond precision.
 */
public interface RunLedger {

  /**
   * One timed service's entry: {@code lastRunAt} (when its last run started; null: never), {@code nextRunAt} (the
   * planned next run; null: none planned, e.g. paused, or a {@code fixedDelay} run in progress) and {@code paused}.
   */
  record Entry(Instant lastRunAt, Instant nextRunAt, boolean paused) {
  }

  /** The entry of timed service {@code service}, empty when none was ever written. */
  Future<Optional<Entry>> read(String service);

  /** Replaces the entry of {@code service}; completes once it is durable. */
  Future<Void> write(String service, Entry entry);
}
