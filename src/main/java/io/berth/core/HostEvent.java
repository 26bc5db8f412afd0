package io.berth.core;

import io.vertx.core.json.JsonObject;

/**
 * Something that happened in the host: a service changed state, a timed run ended, a work item moved on. Listeners
 * ({@link HostListener}) feed the event stream today and metrics and the dashboard later.
 */
public interface HostEvent {

  /** The kind of event: {@code service}, {@code timed-run}, {@code item}, ... (the event stream's event name). */
  String topic();

  /** The event as the event stream and the event bus carry it. */
  JsonObject toJson();
}
