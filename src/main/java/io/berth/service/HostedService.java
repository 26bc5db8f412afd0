package io.berth.service;

import io.vertx.core.Future;

/**
 * A service with full control over its start and stop. The host calls {@link #start} on a worker thread, so a
 * blocking start (a migration, a cache warm-up) never blocks an event loop; the services registered after it wait
 * until its future completes. Long-running work belongs in a {@link BackgroundService} instead.
 */
public interface HostedService {

  /** Starts the service; the host moves on when the returned future succeeds, and fails to start if it fails. */
  Future<Void> start(ServiceContext context) throws Exception;

  /** Triggered when the host is performing a graceful shutdown; bounded by what is left of the shutdown timeout. */
  default Future<Void> stop(ServiceContext context) throws Exception {
    return Future.succeededFuture();
  }

  /**
   * Triggered once every service has started and the HTTP server listens, before the host reports itself started
   * and ready: the place to announce the service with its real address ({@link ServiceContext#lifetime()}).
   */
  default Future<Void> started(ServiceContext context) throws Exception {
    return Future.succeededFuture();
  }
}
