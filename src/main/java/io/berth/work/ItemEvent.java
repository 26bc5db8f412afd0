package io.berth.work;

import io.berth.core.HostEvent;
import io.vertx.core.json.JsonObject;

/**
 * A work item's status changed ({@code queued}, {@code running}, then its outcome): the host event of topic
 * {@value #TOPIC}, published only while a listener wants it.
 *
 * @param error set for failed, cancelled and timed-out items, else null
 */
public record ItemEvent(String queue, String id, String type, ItemState status, int attempts, String error)
    implements HostEvent {

  /** The topic of item events. */
  public static final String TOPIC = "item";

  static ItemEvent of(String queue, Item item, ItemState state) {
    return new ItemEvent(queue, item.id, item.type, state, item.attempts(), state.isFinal() ? item.error() : null);
  }

  @Override
  public String topic() {
    return TOPIC;
  }

  /** {@code {"queue", "id", "type", "status", "attempts", "error"?}}. */
  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("queue", queue).put("id", id).put("type", type)
        .put("status", status.label()).put("attempts", attempts);
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }
}
