package io.berth.work;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A snapshot of one work item. Times are null until reached; {@code error} is set for failed, cancelled and
 * timed-out items.
 */
public record ItemStatus(String id, String queue, String type, ItemState state, int attempts, Instant enqueuedAt,
                         Instant startedAt, Instant finishedAt, String error) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("queue", queue)
        .put("type", type)
        .put("status", state.label())
        .put("attempts", attempts)
        .put("enqueuedAt", enqueuedAt == null ? null : enqueuedAt.toString())
        .put("startedAt", startedAt == null ? null : startedAt.toString())
        .put("finishedAt", finishedAt == null ? null : finishedAt.toString())
        .put("error", error);
    return json;
  }
}
