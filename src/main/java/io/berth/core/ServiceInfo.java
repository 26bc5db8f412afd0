package io.berth.core;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A snapshot of one service for the admin API.
 *
 * @param details kind-specific figures (a timed service's runs and schedule), and for a singleton
 *     {@code "singleton": true} with its {@code "fence"} while it runs on this node; empty for the others
 */
public record ServiceInfo(String name, ServiceKind kind, ServiceState state, Instant startedAt, String error,
                          JsonObject details) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("name", name)
        .put("kind", kind.label())
        .put("state", state.label())
        .put("startedAt", Instants.iso(startedAt))
        .put("error", error);
    return json.mergeIn(details);
  }
}
