package io.berth.core;

import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * A timed service's run ended: {@code {"service", "run", "outcome", "scheduledAt", "durationMs", "error"?}}, where
 * the outcome is {@code succeeded}, {@code failed}, {@code timed-out} or {@code cancelled}, and {@code scheduledAt}
 * is the grid point the run was due at (the trigger's instant for a triggered run).
 */
public record TimedRunEvent(String service, long run, String outcome, Instant scheduledAt, long durationMs,
                            String error) implements HostEvent {

  /** The topic of timed-run events. */
  public static final String TOPIC = "timed-run";

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("service", service).put("run", run).put("outcome", outcome)
        .put("scheduledAt", scheduledAt == null ? null : scheduledAt.toString()).put("durationMs", durationMs);
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }
}
