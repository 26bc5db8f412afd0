package io.berth.cluster;

import io.berth.core.HostEvent;
import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A node joined or left the cluster, as this node saw it: {@code {"event": "joined"|"left", "node", "address",
 * "at"}} on topic {@value #TOPIC}. A node killed or paused shows up as {@code left} once the cluster dropped it
 * (about a second after a kill, about 5 s without heartbeats after a pause).
 */
public record NodeEvent(String event, String node, String address, Instant at) implements HostEvent {

  /** The topic of node events. */
  public static final String TOPIC = "node";

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("event", event).put("node", node).put("address", address)
        .put("at", Instants.iso(at));
  }
}
