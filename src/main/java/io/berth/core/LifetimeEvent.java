package io.berth.core;

import io.vertx.core.json.JsonObject;

/**
 * The host started, began stopping or stopped: {@code {"event", "node", "at", "http"?}}, also published on
 * {@code berth.lifetime}.
 */
public record LifetimeEvent(JsonObject json) implements HostEvent {

  /** The topic of lifetime events. */
  public static final String TOPIC = "lifetime";

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    return json.copy();
  }
}
