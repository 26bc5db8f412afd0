package io.berth.work;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Why an enqueue (or a fire) was refused. {@link #code()} is a stable machine code that the admin API maps to an
 * HTTP status: {@code queue_full}, {@code enqueue_timeout}, {@code stopping} and {@code store_unavailable} to 503, {@code unknown_type} to 422, {@code payload_too_large} to 413,
 * {@code unknown_queue} to 404, {@code invalid_item} (a malformed event-bus item) to 400. A refused item was not admitted: it has no id and no status.
 */
public final class WorkException extends RuntimeException {

  public static final String QUEUE_FULL = "queue_full";
  public static final String ENQUEUE_TIMEOUT = "enqueue_timeout";
  public static final String STOPPING = "stopping";
  public static final String UNKNOWN_TYPE = "unknown_type";
  public static final String UNKNOWN_QUEUE = "unknown_queue";
  /** A malformed item: a body that is not a JSON object, a payload that is not one, or a field an item has not. */
  public static final String INVALID_ITEM = "invalid_item";
  /** The durable store could not write (a full disk, an I/O error): nothing of the request was kept. */
  public static final String STORE_UNAVAILABLE = "store_unavailable";
  /**
   * The payload alone is larger than the queue's memory budget ({@code queues.<name>.maxBytes}, {@code work.maxBytes})
   * could ever hold: it can never be admitted (the admin API's 413).
   */
  public static final String PAYLOAD_TOO_LARGE = "payload_too_large";

  /** The failure code of an event-bus reply that carries a WorkException; the message is {@code "<code>: <text>"}. */
  static final int REPLY_FAILURE_CODE = 4290;

  private final String code;
  private final String field;

  public WorkException(String code, String message) {
    this(code, message, null);
  }

  /** A refusal about one field of the item ({@code type}, {@code payload}, or a field an item does not have). */
  public WorkException(String code, String message, String field) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
  }

  /** One of the codes above. */
  public String code() {
    return code;
  }

  /**
   * The item's field that was refused ({@link WorkItems#TYPE}, {@link WorkItems#PAYLOAD}, or the name of a field an
   * item does not have), or null when the refusal is not about one field (the whole body, a full queue, ...).
   */
  public String field() {
    return field;
  }

  /** The queue is not running yet, or no longer admits items. */
  static WorkException stopping(String queue, boolean started) {
    return new WorkException(STOPPING, started
        ? "queue '" + queue + "' is stopping and admits no new items"
        : "queue '" + queue + "' is not running yet");
  }

  /** The event-bus failure that carries this exception to a requester on another verticle or node. */
  ReplyException toReply() {
    return new ReplyException(ReplyFailure.RECIPIENT_FAILURE, REPLY_FAILURE_CODE, code + ": " + getMessage());
  }

  /** Turns the failure of an event-bus enqueue back into a WorkException (a missing queue is {@code unknown_queue}). */
  static Throwable fromReply(Throwable failure, String queue) {
    if (failure instanceof ReplyException r) {
      if (r.failureType() == ReplyFailure.NO_HANDLERS) {
        return new WorkException(UNKNOWN_QUEUE, "no queue named '" + queue + "' is running");
      }
      String m = r.getMessage();
      int colon = m == null ? -1 : m.indexOf(": ");
      if (r.failureCode() == REPLY_FAILURE_CODE && colon > 0) {
        return new WorkException(m.substring(0, colon), m.substring(colon + 2));
      }
    }
    return failure;
  }
}
