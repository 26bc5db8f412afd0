package io.berth.work;

import io.berth.service.CancellationSource;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * One admitted work item and its progress. Plain data plus the code that runs it: a typed item's handler is looked
 * up at enqueue, so the payload ({@code type}, {@code payload}) is all a durable store would have to keep.
 * Written by the dispatcher (admission, completion) and by one worker (start, end); fields read elsewhere are
 * volatile, and {@link #state} is written last so a reader that sees it sees the rest.
 */
final class Item {

  final String type;
  final JsonObject payload;
  final WorkHandler blocking;
  final AsyncWorkHandler async;

  String id;
  long enqueuedNanos;
  volatile long enqueuedMillis;
  long startedNanos;
  volatile long startedMillis;
  volatile long finishedMillis;
  volatile int attempts;
  volatile String error;
  volatile ItemState state = ItemState.QUEUED;
  volatile boolean timedOut;
  CancellationSource cancellation;
  WorkContext context;
  volatile long timer = -1;

  Item(String type, JsonObject payload, WorkHandler blocking, AsyncWorkHandler async) {
    this.type = type;
    this.payload = payload;
    this.blocking = blocking;
    this.async = async;
  }

  ItemStatus snapshot(String queue) {
    ItemState s = state;
    return new ItemStatus(id, queue, type, s, attempts, instant(enqueuedMillis), instant(startedMillis),
        instant(finishedMillis), error);
  }

  private static Instant instant(long millis) {
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }
}
