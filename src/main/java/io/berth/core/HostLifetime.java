package io.berth.core;

import io.berth.service.HostState;
import io.berth.service.ApplicationLifetime;
import io.berth.service.CancellationToken;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.time.Instant;
import java.util.Optional;

/** The host's lifetime: its state, the three futures, and the events on {@value ApplicationLifetime#ADDRESS}. */
final class HostLifetime implements ApplicationLifetime {

  private final HostEvents events;
  private final String nodeId;
  private final Runnable stopRequest;
  private final CancellationToken stoppingToken;
  private final Promise<Void> started = Promise.promise();
  private final Promise<Void> stopping = Promise.promise();
  private final Promise<Void> stopped = Promise.promise();
  private volatile HostState state = HostState.CREATED;
  private volatile SocketAddress httpAddress;

  HostLifetime(HostEvents events, String nodeId, Runnable stopRequest, CancellationToken stoppingToken) {
    this.events = events;
    this.nodeId = nodeId;
    this.stopRequest = stopRequest;
    this.stoppingToken = stoppingToken;
  }

  @Override
  public CancellationToken stoppingToken() {
    return stoppingToken;
  }

  @Override
  public Future<Void> started() {
    return started.future();
  }

  @Override
  public Future<Void> stopping() {
    return stopping.future();
  }

  @Override
  public Future<Void> stopped() {
    return stopped.future();
  }

  @Override
  public void stopApplication() {
    stopRequest.run();
  }

  @Override
  public boolean isReady() {
    return state == HostState.STARTED;
  }

  @Override
  public HostState state() {
    return state;
  }

  @Override
  public Future<Boolean> awaitStarted(CancellationToken token) {
    Promise<Boolean> result = Promise.promise();
    started.future().onComplete(ar -> result.tryComplete(ar.succeeded()));
    stopping.future().onComplete(ar -> result.tryComplete(false));
    token.future().onComplete(ar -> result.tryComplete(false));
    return result.future();
  }

  @Override
  public Optional<SocketAddress> httpAddress() {
    return Optional.ofNullable(httpAddress);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  void httpListening(SocketAddress address) {
    this.httpAddress = address;
  }

  void starting() {
    state = HostState.STARTING;
  }

  void markStarted() {
    state = HostState.STARTED;
    JsonObject event = event("started");
    if (httpAddress != null) {
      event.put("http", "http://" + httpAddress.host() + ":" + httpAddress.port());
    }
    events.publish(new LifetimeEvent(event));
    started.tryComplete();
  }

  void markStopping() {
    state = HostState.STOPPING;
    events.publish(new LifetimeEvent(event("stopping")));
    started.tryFail("the host stopped before it started");
    stopping.tryComplete();
  }

  /** Publishes {@code stopped}; the future completes later, once Vert.x itself is closed. */
  void publishStopped() {
    state = HostState.STOPPED;
    events.publish(new LifetimeEvent(event("stopped")));
  }

  void completeStopped() {
    state = HostState.STOPPED;
    stopped.tryComplete();
  }

  private JsonObject event(String name) {
    return new JsonObject().put("event", name).put("node", nodeId).put("at", Instants.iso(Instant.now()));
  }
}
