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
  /**
   * Cancelled when this service's turn to stop comes, when its start timed out, or when a singleton lost its lease;
   * a singleton gets a new one each time it starts again.
   */
  volatile CancellationSource cancellation = new CancellationSource();
  /** Runs on one node of the cluster at a time, under a lease ({@link SingletonLeases}). */
  private final boolean singleton;
  /** A singleton's contention for its lease, from its first start until the host stops. */
  volatile SingletonLeases.Contention lease;
  /** A singleton's fencing number while it runs on this node, else 0. */
  volatile long fence;
  /** A singleton's stop after it lost its lease, while it lasts. */
  volatile io.vertx.core.Future<Void> leaving;
  private final Function<ManagedService, ServiceRunner> runnerFactory;

  volatile ServiceState state = ServiceState.CREATED;
  volatile Instant startedAt;
  volatile String error;
  volatile ServiceRunner runner;
  volatile ServiceVerticle verticle;
  volatile String deploymentId;

  ManagedService(String name, ServiceKind kind, boolean edge, Duration startTimeout, ConfigReader settings,
                 boolean singleton, Function<ManagedService, ServiceRunner> runnerFactory) {
    this.name = name;
    this.singleton = singleton;
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

  boolean singleton() {
    return singleton;
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

  /**
   * What the host reports of this service. A singleton whose lease ran out by this node's own clock is reported
   * {@code stopping} even before the lease's timer told the host (after a pause, an answer may come first): another
   * node may hold the lease by then, and this node is about to stop its instance.
   */
  ServiceInfo info(SingletonLeases leases) {
    ServiceRunner r = runner;
    JsonObject details = r == null ? new JsonObject() : r.details().copy();
    ServiceState shown = state;
    if (singleton) {
      details.put("singleton", true);
      long f = fence;
      boolean active = shown == ServiceState.RUNNING || shown == ServiceState.STARTING;
      if (active && leases != null && leases.fence(name).isEmpty()) {
        shown = ServiceState.STOPPING;
        details.put("leaseRanOut", true);
      } else if (f > 0) {
        details.put("fence", f);
      }
    }
    return new ServiceInfo(name, kind, shown, startedAt, error, details);
  }
}
