package io.berth.core;

import io.berth.core.internal.Futures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.time.Duration;
import java.util.function.Supplier;

/** The verticle that carries one service: the host deploys one per service and undeploys it itself, in order. */
final class ServiceVerticle extends VerticleBase {

  private final ServiceRunner runner;
  private final Supplier<Duration> stopBudget;

  ServiceVerticle(ServiceRunner runner, Supplier<Duration> stopBudget) {
    this.runner = runner;
    this.stopBudget = stopBudget;
  }

  @Override
  public Future<?> start() throws Exception {
    return runner.start();
  }

  @Override
  public Future<?> stop() throws Exception {
    return runner.stop(stopBudget.get());
  }

  /** Runs the {@code started} hook on this verticle's own context (a worker thread for a hosted service). */
  Future<Void> started() {
    return Futures.on(context, runner::started);
  }
}
