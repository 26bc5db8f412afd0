package io.berth.core;

import io.vertx.core.Future;

import java.time.Duration;

/** Runs the HTTP service like any hosted service, then hands its bound address to the lifetime. */
final class HttpRunner implements ServiceRunner {

  private final HostedRunner delegate;
  private final HttpEndpoint endpoint;
  private final HostLifetime lifetime;

  HttpRunner(HostedRunner delegate, HttpEndpoint endpoint, HostLifetime lifetime) {
    this.delegate = delegate;
    this.endpoint = endpoint;
    this.lifetime = lifetime;
  }

  @Override
  public Future<Void> start() throws Exception {
    return delegate.start().onSuccess(v -> lifetime.httpListening(endpoint.boundAddress()));
  }

  @Override
  public Future<Void> stop(Duration budget) throws Exception {
    return delegate.stop(budget);
  }

  @Override
  public Future<Void> started() throws Exception {
    return delegate.started();
  }
}
