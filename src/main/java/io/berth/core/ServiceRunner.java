package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;

/** How one kind of service starts and stops inside its verticle; called on the verticle's context. */
interface ServiceRunner {

  Future<Void> start() throws Exception;

  /** Stops within {@code budget}; fails with {@link StopTimeoutException} when the service had to be cut short. */
  Future<Void> stop(Duration budget) throws Exception;

  /** The {@code started} hook, once every service has started and the HTTP server listens. */
  default Future<Void> started() throws Exception {
    return Future.succeededFuture();
  }

  /** Kind-specific figures for the admin API. */
  default JsonObject details() {
    return new JsonObject();
  }

  /** Interrupts a start or stop that is still blocking its thread after its time ran out. */
  default void interrupt() {
  }
}
