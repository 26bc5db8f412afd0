package io.berth.core;

import io.vertx.core.json.JsonObject;

/** A service changed state: {@code {"service", "state", "error"?}}, also published on {@code berth.services}. */
public record ServiceEvent(String service, ServiceState state, String error) implements HostEvent {

  /** The topic of service events. */
  public static final String TOPIC = "service";

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("service", service).put("state", state.label());
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }
}
