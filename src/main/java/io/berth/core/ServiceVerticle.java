package io.berth.core;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;

import java.time.Duration;
import java.util.concurrent.Callable;
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
    return onContext(runner::started);
  }

  private <T> Future<T> onContext(Callable<Future<T>> body) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        body.call().onComplete(promise);
      } catch (Throwable e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }
}
