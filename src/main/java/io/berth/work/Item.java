package io.berth.work;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One admitted work item. Admission creates it with its id and enqueue time (final); from then on only the worker
 * that claimed it writes its progress ({@link #start}, {@link #end}); status readers on other threads see volatile
 * fields, and {@link #state} is written last so a reader that sees it sees the rest. The handler was looked up at
 * enqueue and is not data: {@code type} and {@code payload} are all a durable store keeps.
 */
final class Item {

  final String id;
  final String type;
  /** The payload; null for in-process work ({@link #local}), and once a run ended and nothing needs it any more. */
  volatile JsonObject payload;
  /** In-process work (a lambda): nothing a durable store can keep. */
  final boolean local;
  /** The payload's size as counted against the memory budget ({@link PayloadBudget}); 0 for in-process work. */
  volatile long bytes;
  final Handlers.Entry handler;
  /** The unique key (null: none): no other unfinished item of the queue has it. */
  final String key;
  final long enqueuedNanos;
  final long enqueuedMillis;
  /** The most attempt errors an item keeps (the last ones). */
  static final int ERRORS_KEPT = 10;

  /** Not claimed before this time (epoch ms): its delay, or its next attempt's backoff. */
  volatile long runAtMillis;
  /** A durable store's row key, set before the item is published to a worker (0 in memory). */
  final long seq;

  private volatile int attempts;
  private volatile long startedNanos;
  /** When its last run ended, on the monotonic clock (0: not ended since its start). */
  private volatile long finishedNanos;
  private volatile long startedMillis;
  private volatile long finishedMillis;
  private volatile String error;
  /** The error of each failed attempt, oldest first, at most {@link #ERRORS_KEPT}; replaced whole (immutable). */
  private volatile List<String> errors = List.of();
  private volatile ItemState state = ItemState.QUEUED;

  Item(String id, String type, JsonObject payload, Handlers.Entry handler) {
    this(id, type, payload, handler, 0, null);
  }

  /** A new item, not run before {@code runAtMillis} (0 or a past time: at once), with its unique key or null. */
  Item(String id, String type, JsonObject payload, Handlers.Entry handler, long runAtMillis, String key) {
    this.id = id;
    this.key = key;
    this.type = type;
    this.payload = payload;
    this.local = payload == null;
    this.handler = handler;
    this.enqueuedNanos = System.nanoTime();
    this.enqueuedMillis = System.currentTimeMillis();
    this.runAtMillis = Math.max(runAtMillis, enqueuedMillis);
    this.seq = 0;
  }

  private Item(long seq, String id, String type, JsonObject payload, Handlers.Entry handler, int attempts,
               long enqueuedMillis, long runAtMillis) {
    this.seq = seq;
    this.key = null;
    this.id = id;
    this.type = type;
    this.payload = payload;
    this.local = payload == null;
    this.handler = handler;
    this.attempts = attempts;
    this.enqueuedMillis = enqueuedMillis;
    this.runAtMillis = runAtMillis;
    this.enqueuedNanos = System.nanoTime() - Math.max(0, System.currentTimeMillis() - enqueuedMillis) * 1_000_000;
  }

  /** An item read back from a durable store, {@code attempts} runs behind it; handler null when its type has none. */
  static Item stored(long seq, String id, String type, JsonObject payload, Handlers.Entry handler, int attempts,
                     long enqueuedMillis, long runAtMillis, List<String> errors) {
    Item item = new Item(seq, id, type, payload, handler, attempts, enqueuedMillis, runAtMillis);
    item.errors = errors == null ? List.of() : List.copyOf(errors);
    return item;
  }

  /** The claiming worker's transition {@code queued → running}; returns the attempt number. */
  int start() {
    int attempt = attempts + 1;
    attempts = attempt;
    startedNanos = System.nanoTime();
    startedMillis = System.currentTimeMillis();
    state = ItemState.RUNNING;
    return attempt;
  }

  /** The claiming worker's transition to a final state, with the error (null on success). */
  void end(ItemState outcome, String why) {
    error = why;
    if (why != null && outcome != ItemState.CANCELLED) {
      errors = appended(errors, why);
    }
    ended();
    state = outcome;
  }

  /** The claiming worker's transition {@code running → retrying}: attempt failed with {@code why}, next at {@code at}. */
  void retry(long at, String why) {
    error = why;
    errors = appended(errors, why);
    ended();
    runAtMillis = at;
    state = ItemState.RETRYING;
  }

  /**
   * Sets the end times with one clock read: after a start, the wall time is the start's plus the monotonic time the
   * run took (also what the meters take as its duration, {@link #ranNanos()}); without one (cancelled while waiting),
   * the wall clock's.
   */
  private void ended() {
    long started = startedNanos;
    if (started != 0) {
      long now = System.nanoTime();
      finishedNanos = now;
      finishedMillis = startedMillis + (now - started) / 1_000_000;
    } else {
      finishedNanos = 0;
      finishedMillis = System.currentTimeMillis();
    }
  }

  /** When the current run began ({@link System#nanoTime()}), or 0 between runs. */
  long startedNanos() {
    return startedNanos;
  }

  /** How long its last run took, in nanoseconds; -1 when it did not run since it was (re)queued. */
  long ranNanos() {
    long started = startedNanos;
    long finished = finishedNanos;
    return started == 0 || finished == 0 ? -1 : finished - started;
  }

  /** {@code dead → queued}: re-enqueued with all its attempts again (its errors kept); never called concurrently. */
  void revive() {
    attempts = 0;
    runAtMillis = System.currentTimeMillis();
    startedNanos = 0;
    finishedNanos = 0;
    startedMillis = 0;
    finishedMillis = 0;
    state = ItemState.QUEUED;
  }

  private static List<String> appended(List<String> list, String e) {
    List<String> next = new ArrayList<>(Math.min(list.size() + 1, ERRORS_KEPT));
    next.addAll(list.size() < ERRORS_KEPT ? list : list.subList(list.size() - ERRORS_KEPT + 1, list.size()));
    next.add(e);
    return List.copyOf(next);
  }

  List<String> errors() {
    return errors;
  }

  /**
   * Back to {@code queued} without counting the attempt: a durable store hands back an item it claimed but did not
   * start, or one a shutdown interrupted.
   */
  void requeue() {
    if (state != ItemState.QUEUED) {
      attempts = Math.max(0, attempts - 1);
    }
    startedNanos = 0;
    finishedNanos = 0;
    startedMillis = 0;
    finishedMillis = 0;
    error = null;
    state = ItemState.QUEUED;
  }

  /**
   * Drops the payload once nothing needs it (the run ended for good, or a durable store holds it on disk): a finished
   * item kept for status queries then holds no payload bytes. Returns the bytes it held.
   */
  long dropPayload() {
    if (local) {
      return 0;
    }
    long n = bytes;
    payload = null;
    bytes = 0;
    return n;
  }

  ItemState state() {
    return state;
  }

  int attempts() {
    return attempts;
  }

  String error() {
    return error;
  }

  /** Enqueue to start, for the latency histogram. */
  long waitedNanos() {
    return startedNanos - enqueuedNanos;
  }

  ItemStatus snapshot(String queue) {
    ItemState s = state;
    return new ItemStatus(id, queue, type, s, attempts, instant(enqueuedMillis), instant(startedMillis),
        instant(finishedMillis), error, instant(runAtMillis), errors);
  }

  private static Instant instant(long millis) {
    return millis == 0 ? null : Instant.ofEpochMilli(millis);
  }
}
