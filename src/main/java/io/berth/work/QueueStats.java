package io.berth.work;

import io.vertx.core.json.JsonObject;

/**
 * The figures of one queue: {@code depth} items admitted and waiting for a worker (delayed ones included),
 * {@code inFlight} items handed to a worker and not finished, {@code retrying} items waiting for their next attempt;
 * counters since start ({@code failed}: items that ended failed, dead ones included); {@code dead}: items in the
 * dead letters now; the enqueue-to-start latency of first attempts in microseconds.
 */
public record QueueStats(String name, int capacity, int depth, int inFlight, int retrying, long enqueued,
                         long rejected, long succeeded, long failed, long dead, long cancelled, long timedOut,
                         long latencyP50Micros, long latencyP99Micros, long latencyMaxMicros) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("capacity", capacity)
        .put("depth", depth)
        .put("inFlight", inFlight)
        .put("retrying", retrying)
        .put("enqueued", enqueued)
        .put("rejected", rejected)
        .put("succeeded", succeeded)
        .put("failed", failed)
        .put("dead", dead)
        .put("cancelled", cancelled)
        .put("timedOut", timedOut)
        .put("latency", new JsonObject()
            .put("p50Micros", latencyP50Micros)
            .put("p99Micros", latencyP99Micros)
            .put("maxMicros", latencyMaxMicros));
  }
}
