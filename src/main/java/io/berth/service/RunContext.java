package io.berth.service;

import io.berth.scope.Scope;

import java.time.Instant;

/** One run of a {@link TimedService}. */
public interface RunContext {

  /** The timed service's name. */
  String service();

  /** 1 for the first run of this host, then 2, 3, ... */
  long number();

  /** When the schedule wanted this run to start (the trigger time for a triggered run). */
  Instant scheduledAt();

  /** True when the run was started by {@code trigger} rather than by the schedule. */
  boolean triggered();

  /** Cancelled when the run times out or the host stops; {@link CancellationToken#reason()} tells which. */
  CancellationToken token();

  /** The run's own scope: scoped services resolved here are closed when the run ends, however it ends. */
  Scope scope();
}
