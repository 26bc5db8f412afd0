package io.berth.core;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A timed service's tick: a run {@code started} (from its schedule, or {@code triggered} by hand), or a tick
 * {@code skipped} because the runs allowed were all still going (coalesced; {@code run} is then the last run
 * started). How a run ended is a {@link TimedRunEvent}. JSON: {@code {"service", "event", "run", "triggered",
 * "scheduledAt"}}, the instant in milliseconds.
 */
public record TimedTickEvent(String service, String event, long run, boolean triggered, Instant scheduledAt)
    implements HostEvent {

  /** The topic of timed ticks. */
  public static final String TOPIC = "timed-tick";
  /** A run started. */
  public static final String STARTED = "started";
  /** A tick was coalesced: a run was still going. */
  public static final String SKIPPED = "skipped";

  /** Truncates {@code scheduledAt} to milliseconds, as every timestamp Berth shows. */
  public TimedTickEvent {
    scheduledAt = scheduledAt == null ? null : scheduledAt.truncatedTo(ChronoUnit.MILLIS);
  }

  @Override
  public String topic() {
    return TOPIC;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("service", service).put("event", event).put("run", run)
        .put("triggered", triggered).put("scheduledAt", Instants.iso(scheduledAt));
  }
}
