package io.berth.core;

import io.berth.config.ConfigReader;
import io.berth.service.CancellationSource;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/** One registered service and what the host knows of it while it runs. */
final class ManagedService {

  private final String name;
  private final ServiceKind kind;
  private final boolean edge;
  private final Duration startTimeout;
  private final ConfigReader settings;
  /** Cancelled when this service's turn to stop comes, or when its start timed out. */
  final CancellationSource cancellation = new CancellationSource();
  private final Function<ManagedService, ServiceRunner> runnerFactory;

  volatile ServiceState state = ServiceState.CREATED;
  volatile Instant startedAt;
  volatile String error;
  volatile ServiceRunner runner;
  volatile ServiceVerticle verticle;
  volatile String deploymentId;

  ManagedService(String name, ServiceKind kind, boolean edge, Duration startTimeout, ConfigReader settings,
                 Function<ManagedService, ServiceRunner> runnerFactory) {
    this.name = name;
    this.kind = kind;
    this.edge = edge;
    this.startTimeout = startTimeout;
    this.settings = settings;
    this.runnerFactory = runnerFactory;
  }

  String name() {
    return name;
  }

  ServiceKind kind() {
    return kind;
  }

  Duration startTimeout() {
    return startTimeout;
  }

  /** The edge (HTTP) service: started after all others, stopped first. */
  boolean edge() {
    return edge;
  }

  JsonObject config() {
    return settings.json();
  }

  ConfigReader settings() {
    return settings;
  }

  /** Sets the state (and the last error, when given). */
  synchronized void set(ServiceState next, String error) {
    state = next;
    if (error != null) {
      this.error = error;
    }
  }

  /** Moves from {@code expected} to {@code next} only if the state still is {@code expected}. */
  synchronized boolean transition(ServiceState expected, ServiceState next) {
    if (state != expected) {
      return false;
    }
    state = next;
    return true;
  }

  ServiceRunner createRunner() {
    runner = runnerFactory.apply(this);
    return runner;
  }

  ServiceInfo info() {
    ServiceRunner r = runner;
    return new ServiceInfo(name, kind, state, startedAt, error, r == null ? new JsonObject() : r.details());
  }
}
