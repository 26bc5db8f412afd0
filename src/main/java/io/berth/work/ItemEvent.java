package io.berth.work;

import io.berth.core.HostEvent;
import io.vertx.core.json.JsonObject;

/**
 * A work item's status changed ({@code queued}, {@code running}, then its outcome): the host event of topic
 * {@value #TOPIC}, published only while a listener wants it.
 *
 * <p>The three {@code …Nanos} times ({@link System#nanoTime()}, 0 when unknown) let a listener measure wait and run
 * time without keeping any state per item: {@code startedNanos - enqueuedNanos} is the wait of a {@code running}
 * event, {@code endedNanos - startedNanos} the run time of a final one. They are not part of the JSON.
 *
 * @param error         set for failed, cancelled and timed-out items, else null
 * @param enqueuedNanos when the item was admitted (0: unknown)
 * @param startedNanos  when its current attempt started (0: not started)
 * @param endedNanos    when it reached a final or {@code retrying} state (0: not ended); millisecond precision
 */
public record ItemEvent(String queue, String id, String type, ItemState status, int attempts, String error,
                        long enqueuedNanos, long startedNanos, long endedNanos) implements HostEvent {

  /** The topic of item events. */
  public static final String TOPIC = "item";

  /** An event without times (all 0): a listener measures nothing from it. */
  public ItemEvent(String queue, String id, String type, ItemState status, int attempts, String error) {
    this(queue, id, type, status, attempts, error, 0, 0, 0);
  }

  /**
   * The event of {@code item} reaching {@code state}, published by the thread that moved it there (so its start
   * time is the one of this attempt). The times come from the item's own fields, with no clock read here (a clock
   * read costs 200-300 ns on some virtual machines, a quarter of a fast queue's whole cost per item): the start in
   * nanos, and the end as the start plus the item's recorded run time, which has millisecond precision.
   */
  static ItemEvent of(String queue, Item item, ItemState state) {
    long enqueued = item.enqueuedNanos;
    long started = 0;
    long ended = 0;
    if (state != ItemState.QUEUED) {
      long waited = item.waitedNanos();
      started = waited == -enqueued ? 0 : enqueued + waited;   // -enqueued: not started (startedNanos is 0)
    }
    if (started != 0 && (state.isFinal() || state == ItemState.RETRYING)) {
      long ran = runNanos(item);
      if (ran >= 0) {
        ended = started + ran;
      }
    }
    return new ItemEvent(queue, item.id, item.type, state, item.attempts(), state.isFinal() ? item.error() : null,
        enqueued, started, ended);
  }

  /**
   * The run time of {@code item}'s attempt that just ended, from its recorded start and end (millisecond precision,
   * no clock read); -1 when it has no start or end. Called by the worker that ended it, before anyone can start it
   * again.
   */
  static long runNanos(Item item) {
    ItemStatus s = item.snapshot(null);
    if (s.startedAt() == null || s.finishedAt() == null) {
      return -1;
    }
    return Math.max(0, s.finishedAt().toEpochMilli() - s.startedAt().toEpochMilli()) * 1_000_000L;
  }

  @Override
  public String topic() {
    return TOPIC;
  }

  /** {@code {"queue", "id", "type", "status", "attempts", "error"?}}. */
  @Override
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("queue", queue).put("id", id).put("type", type)
        .put("status", status.label()).put("attempts", attempts);
    if (error != null) {
      json.put("error", error);
    }
    return json;
  }
}
