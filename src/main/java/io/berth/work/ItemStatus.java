package io.berth.work;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one work item. Times are null until reached; {@code error} is the last attempt's (set for retrying,
 * dead, failed, cancelled and timed-out items), {@code errors} those of its failed attempts, oldest first (the last
 * 10). {@code runAt}: not run before (its delay, or for a {@code retrying} item its next attempt). {@code node}: the
 * id of the node that ran (or runs) the latest attempt, as a shared store records it; null when the store does not
 * say (the memory and SQLite stores: one node).
 */
public record ItemStatus(String id, String queue, String type, ItemState state, int attempts, Instant enqueuedAt,
                         Instant startedAt, Instant finishedAt, String error, Instant runAt, List<String> errors,
                         String node) {

  /** A status that names no node (a single-node store). */
  public ItemStatus(String id, String queue, String type, ItemState state, int attempts, Instant enqueuedAt,
                    Instant startedAt, Instant finishedAt, String error, Instant runAt, List<String> errors) {
    this(id, queue, type, state, attempts, enqueuedAt, startedAt, finishedAt, error, runAt, errors, null);
  }

  /** This status, naming {@code node} as the one that ran the latest attempt. */
  public ItemStatus withNode(String node) {
    return new ItemStatus(id, queue, type, state, attempts, enqueuedAt, startedAt, finishedAt, error, runAt, errors,
        node);
  }

  /** When a {@code retrying} item runs again; null in any other state. */
  public Instant nextAttemptAt() {
    return state == ItemState.RETRYING ? runAt : null;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("queue", queue)
        .put("type", type)
        .put("status", state.label())
        .put("attempts", attempts)
        .put("enqueuedAt", Instants.iso(enqueuedAt))
        .put("startedAt", Instants.iso(startedAt))
        .put("finishedAt", Instants.iso(finishedAt))
        .put("error", error)
        .put("errors", new JsonArray(errors == null ? List.of() : errors));
    if (node != null) {
      json.put("node", node);
    }
    if (state == ItemState.RETRYING) {
      json.put("nextAttemptAt", Instants.iso(runAt));
    } else if (state == ItemState.QUEUED && runAt != null) {
      json.put("runAt", Instants.iso(runAt));
    }
    return json;
  }
}
