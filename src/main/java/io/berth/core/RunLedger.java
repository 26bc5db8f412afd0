package io.berth.core;

import io.vertx.core.Future;

import java.time.Instant;
import java.util.Optional;

/**
 * What timed services keep across restarts: when each last ran, when it is due next, and whether an operator paused
 * it. A module with a durable store provides it as a feature ({@code ModuleContext.provide(RunLedger.class, …)});
 * without one, timed services start afresh on every start. Futures complete off the event loop's hot path; the
 * implementation does its I/O on its own thread and never blocks the caller.
 */
public interface RunLedger {

  /**
   * One timed service's entry: {@code lastRunAt} (when its last run started; null: never), {@code nextRunAt} (the
   * planned next run; null: none planned) and {@code paused}.
   */
  record Entry(Instant lastRunAt, Instant nextRunAt, boolean paused) {
  }

  /** The entry of timed service {@code service}, empty when none was ever written. */
  Future<Optional<Entry>> read(String service);

  /** Replaces the entry of {@code service}; completes once it is durable. */
  Future<Void> write(String service, Entry entry);
}
