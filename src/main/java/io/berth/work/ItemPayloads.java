package io.berth.work;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Optional;

/**
 * An item's payload for its detail ({@code GET /api/v1/queues/{queue}/items/{id}}), read from the queue's store:
 * the memory store while it still holds the payload, a durable store from the item's row (off the event loop).
 * Empty when the store no longer keeps it, for in-process work, and for an unknown id.
 */
public final class ItemPayloads {

  private ItemPayloads() {
  }

  /** The payload of item {@code id} of {@code queue} as it was enqueued, when its store still keeps it. */
  public static Future<Optional<JsonObject>> of(WorkQueue queue, String id) {
    return queue.store().payload(id);
  }
}
