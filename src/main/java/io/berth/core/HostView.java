package io.berth.core;

import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The host as a module sees it: its services, lifetime, features and events, and the one action of a trigger. */
public interface HostView {

  Vertx vertx();

  ApplicationLifetime lifetime();

  HostOptions options();

  /** The registry of singletons and scopes. */
  ServiceRegistry registry();

  /** Every service in start order, with its current state. */
  List<ServiceInfo> services();

  /** A feature a module provided ({@code WorkQueues}, {@code Tokens}, ...), if any. */
  <T> Optional<T> feature(Class<T> type);

  /** Runs timed service {@code name} now; fails with {@link TriggerException}. */
  Future<Void> trigger(String name);

  /**
   * Pauses ({@code true}) or resumes timed service {@code name}: a paused service starts no scheduled run (a
   * trigger still runs it) until it is resumed; with a {@link RunLedger} the state survives restarts. Fails with a
   * {@link TriggerException} as {@link #trigger} does for an unknown service or one that is not timed.
   */
  Future<Void> pause(String name, boolean paused);

  /** What is left of the shutdown deadline (the whole timeout before a stop begins). */
  Duration remainingShutdownTime();

  /** The host's events, for listening and for publishing a module's own. */
  HostEvents events();
}
