package io.berth.service;

import io.berth.service.ApplicationLifetime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** What a service gets from the host: its name, Vert.x, the lifetime and its own part of the configuration. */
public interface ServiceContext {

  /** The service's unique name, as in logs, events and the admin API. */
  String name();

  Vertx vertx();

  ApplicationLifetime lifetime();

  /** The service's section of the configuration ({@code services.<name>}), empty when there is none. */
  JsonObject config();

  /** Cancelled when the host starts shutting down, or when the service's start times out. */
  CancellationToken cancellation();
}
