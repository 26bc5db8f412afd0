package io.berth.work;

import io.vertx.core.json.JsonObject;

/** The figures of fire-and-forget work since start: fired, still running, and how the finished ones ended. */
public record FireStats(long fired, long running, long succeeded, long failed) {

  public JsonObject toJson() {
    return new JsonObject().put("fired", fired).put("running", running).put("succeeded", succeeded)
        .put("failed", failed);
  }
}
