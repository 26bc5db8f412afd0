package io.berth.core;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * An operator paused or resumed a timed service: {@code {"service", "paused", "at"}}. A topic of its own rather than
 * a {@link TimedRunEvent}, so that listeners counting runs (metrics) never count a pause as one.
 */
public record TimedPauseEvent(String service, boolean paused, Instant at) implements HostEvent {

  /** The topic of pause events. */
  public static final String TOPIC = "timed-pause";

  /** Truncates {@code at} to milliseconds, the precision of every timestamp Berth shows. */
  public TimedPauseEvent {
    at = at == null ? null : at.truncatedTo(ChronoUnit.MILLIS);
  }

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("service", service).put("paused", paused).put("at", Instants.iso(at));
  }
}
