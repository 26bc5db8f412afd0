package io.berth.core;

import io.vertx.core.Future;

import io.vertx.core.net.SocketAddress;

import java.time.Duration;
import java.util.function.Supplier;

/** Runs the edge (HTTP) service like any hosted service, then hands its bound address to the lifetime. */
final class EdgeRunner implements ServiceRunner {

  private final HostedRunner delegate;
  private final Supplier<SocketAddress> boundAddress;
  private final HostLifetime lifetime;

  EdgeRunner(HostedRunner delegate, Supplier<SocketAddress> boundAddress, HostLifetime lifetime) {
    this.delegate = delegate;
    this.boundAddress = boundAddress;
    this.lifetime = lifetime;
  }

  @Override
  public Future<Void> start() throws Exception {
    return delegate.start().onSuccess(v -> lifetime.httpListening(boundAddress.get()));
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
