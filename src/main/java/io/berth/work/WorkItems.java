package io.berth.work;

import io.vertx.core.json.JsonObject;

/**
 * The one validation of a work item as a client sends it, {@code {"type": "...", "payload": {...}}}: shared by the
 * event-bus address of a queue and the admin API, which map its refusals to their own codes by
 * {@link WorkException#field()}. Whether a queue has a handler for the type is checked at enqueue, not here.
 */
public final class WorkItems {

  /** The item's type field. */
  public static final String TYPE = "type";
  /** The item's payload field. */
  public static final String PAYLOAD = "payload";

  private WorkItems() {
  }

  /** A valid item: a non-blank type and a payload (empty when none was sent). */
  public record Request(String type, JsonObject payload) {
  }

  /**
   * Validates {@code body} and returns the item it describes.
   *
   * @throws WorkException when it is malformed, checked in this order: a body that is not a JSON object
   *                       ({@code invalid_item}, no field); a missing or blank or non-string {@code type}
   *                       ({@code unknown_type}, field {@code type}); a {@code payload} that is not a JSON object
   *                       ({@code invalid_item}, field {@code payload}); any other field ({@code invalid_item}, the
   *                       field's name)
   */
  public static Request parse(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new WorkException(WorkException.INVALID_ITEM, "a work item must be a JSON object with a 'type', not "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    Object type = json.getValue(TYPE);
    if (!(type instanceof String t) || t.isBlank()) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "the item's 'type' must be a non-blank string",
          TYPE);
    }
    Object payload = json.getValue(PAYLOAD);
    if (payload != null && !(payload instanceof JsonObject)) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'payload' must be a JSON object", PAYLOAD);
    }
    if (json.size() > (payload == null ? 1 : 2) || (payload == null && json.containsKey(PAYLOAD))) {
      for (String field : json.fieldNames()) {
        if (!field.equals(TYPE) && !field.equals(PAYLOAD)) {
          throw new WorkException(WorkException.INVALID_ITEM, "the item's field '" + field
              + "' is not allowed; an item has only 'type' and 'payload'", field);
        }
      }
    }
    return new Request(t, payload == null ? new JsonObject() : (JsonObject) payload);
  }
}
