package io.berth.core;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A timed service's run ended: {@code {"service", "run", "outcome", "scheduledAt", "durationMs", "error"?}}, where
 * the outcome is {@code succeeded}, {@code failed}, {@code timed-out} or {@code cancelled}, and {@code scheduledAt}
 * is the grid point the run was due at (the trigger's instant for a triggered run, the missed planned instant for a
 * run made up at start), in milliseconds like every timestamp Berth shows.
 */
public record TimedRunEvent(String service, long run, String outcome, Instant scheduledAt, long durationMs,
                            String error) implements HostEvent {

  /** The topic of timed-run events. */
  public static final String TOPIC = "timed-run";

  /** Truncates {@code scheduledAt} to milliseconds: the run's own {@code RunContext} keeps the exact instant. */
  public TimedRunEvent {
    scheduledAt = scheduledAt == null ? null : scheduledAt.truncatedTo(ChronoUnit.MILLIS);
  }

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("service", service).put("run", run).put("outcome", outcome)
        .put("scheduledAt", Instants.iso(scheduledAt)).put("durationMs", durationMs);
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }
}
