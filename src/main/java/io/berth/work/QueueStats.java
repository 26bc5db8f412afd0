package io.berth.work;

import io.vertx.core.json.JsonObject;

/**
 * The figures of one queue: {@code depth} items admitted and waiting for a worker, {@code inFlight} items handed to
 * a worker and not finished; counters since start; the enqueue-to-start latency in microseconds.
 */
public record QueueStats(String name, int capacity, int depth, int inFlight, long enqueued, long rejected,
                         long succeeded, long failed, long cancelled, long timedOut, long latencyP50Micros,
                         long latencyP99Micros, long latencyMaxMicros) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("capacity", capacity)
        .put("depth", depth)
        .put("inFlight", inFlight)
        .put("enqueued", enqueued)
        .put("rejected", rejected)
        .put("succeeded", succeeded)
        .put("failed", failed)
        .put("cancelled", cancelled)
        .put("timedOut", timedOut)
        .put("p50Ms", latencyP50Micros / 1000.0)
        .put("p99Ms", latencyP99Micros / 1000.0)
        .put("latency", new JsonObject()
            .put("p50Micros", latencyP50Micros)
            .put("p99Micros", latencyP99Micros)
            .put("maxMicros", latencyMaxMicros));
  }
}
