package io.berth.core;

import io.berth.config.ConfigReader;
import io.berth.scope.ServiceRegistry;
import io.berth.service.HostedService;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.util.function.Supplier;

/** What a {@link HostModule} may do while the host is built. */
public interface ModuleContext {

  /** Where a module's service runs in the start order. */
  enum Placement {
    /** Before the application's services, stopped after them (work queues: producers stop before they drain). */
    FIRST,
    /** Among the application's services, in registration order. */
    IN_ORDER
  }

  /** The whole configuration (an empty one for a host built without config); read only the module's own keys. */
  ConfigReader config();

  HostOptions options();

  Vertx vertx();

  /** The host's registry of singletons and scopes. */
  ServiceRegistry registry();

  /** Adds a hosted service of {@code kind} at {@code placement}; names are unique across the host. */
  default void service(String name, ServiceKind kind, Placement placement, HostedService service) {
    service(name, kind, placement, service, null);
  }

  /** Adds a hosted service whose start may take up to {@code startTimeout} (null: the host's). */
  void service(String name, ServiceKind kind, Placement placement, HostedService service, Duration startTimeout);

  /**
   * Adds a hosted service as {@link #service(String, ServiceKind, Placement, HostedService, Duration)} does; with
   * {@code singletonInCluster}, when the host has singleton leases (a cluster with the shared store) it runs on one
   * node of the cluster at a time and waits in {@code standby} on the others, and without them it is an ordinary
   * service. {@code services.<name>.singleton} overrides either way. A context without cluster singletons (a test's)
   * refuses {@code singletonInCluster}.
   */
  default void service(String name, ServiceKind kind, Placement placement, HostedService service, Duration startTimeout,
                       boolean singletonInCluster) {
    if (singletonInCluster) {
      throw new UnsupportedOperationException("this module context has no cluster singletons");
    }
    service(name, kind, placement, service, startTimeout);
  }

  /**
   * Adds the edge service (the HTTP server): started after every other service is running, stopped first; its
   * bound address reaches the lifetime once it has started. A host has at most one.
   */
  void edge(String name, HostedService service, Supplier<SocketAddress> boundAddress);

  /** Offers {@code feature} to services ({@code ServiceContext.feature}) and other modules ({@link HostView}). */
  <T> void provide(Class<T> type, T feature);

  /** Receives every host event (service states, timed runs, items). */
  void listen(HostListener listener);

  /** The host, read-only; usable once {@code build()} returned (modules keep it for their start). */
  HostView host();
}
