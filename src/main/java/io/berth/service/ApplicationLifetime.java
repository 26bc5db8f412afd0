package io.berth.service;

import io.vertx.core.Future;
import io.vertx.core.net.SocketAddress;

import java.util.Optional;

/**
 * The host's lifetime, for code that must wait for it or end it. Each transition is also published on the event
 * bus at {@value #ADDRESS} as {@code {"event": "started"|"stopping"|"stopped", "node": ..., "at": ...}}.
 */
public interface ApplicationLifetime {

  /** Event bus address of the lifetime transitions. */
  String ADDRESS = "berth.lifetime";

  /** Completes when every service has started and the HTTP server listens; fails if the host stops first. */
  Future<Void> started();

  /**
   * Completes when a graceful stop begins, before any service's token is cancelled: the stop then cancels
   * {@link #stoppingToken()} and stops the services one by one in reverse order, cancelling each one's token when its
   * turn comes.
   */
  Future<Void> stopping();

  /**
   * Cancelled (reason {@code "shutdown"}) as a graceful stop begins, right after {@link #stopping()} completed and
   * before the first service is stopped: the early signal for code that must not wait for its own turn.
   */
  CancellationToken stoppingToken();

  /** Completes when every service has stopped. */
  Future<Void> stopped();

  /** Requests a graceful stop, exactly as SIGTERM does; a second request while stopping changes nothing. */
  void stopApplication();

  /** True once the host has started, until it starts stopping: what {@code /health/ready} reports. */
  boolean isReady();

  HostState state();

  /**
   * Completes with true when the host has started, or false when it stops (or {@code token} is cancelled) first.
   */
  Future<Boolean> awaitStarted(CancellationToken token);

  /** The HTTP server's bound address, known once it listens (so also with port 0). */
  Optional<SocketAddress> httpAddress();

  /** This host's node id, as in the lifetime events. */
  String nodeId();
}
