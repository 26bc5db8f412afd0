package io.berth.work;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one validation of a work item as a client sends it, {@code {"type": "...", "payload": {...}}} with an optional
 * {@code "runAt"} (an ISO-8601 instant) or {@code "delay"} (milliseconds, or a duration such as {@code "30s"},
 * {@code "5m"}, {@code "PT1H"}) and an optional unique {@code "key"}: shared by the
 * event-bus address of a queue and the admin API, which map its refusals to their own codes by
 * {@link WorkException#field()}. Whether a queue has a handler for the type is checked at enqueue, not here.
 */
public final class WorkItems {

  /** The item's type field. */
  public static final String TYPE = "type";
  /** The item's payload field. */
  public static final String PAYLOAD = "payload";

  private WorkItems() {
  }

  /** The item's run time field: not started before this instant (a past one runs at once). */
  public static final String RUN_AT = "runAt";
  /** The item's delay field: not started before this long after its enqueue. */
  public static final String DELAY = "delay";

  /** The item's unique key field: at most one unfinished item of a queue has a key. */
  public static final String KEY = "key";
  /** The longest unique key. */
  public static final int MAX_KEY_LENGTH = 200;

  private static final Set<String> FIELDS = Set.of(TYPE, PAYLOAD, RUN_AT, DELAY, KEY);
  private static final Pattern SHORT_DURATION = Pattern.compile("(-?\\d+)\\s*(ms|s|m|h|d)");

  /**
   * A valid item: a non-blank type, a payload (empty when none was sent), and at most one of {@code runAt} and
   * {@code delay} (null when not set; a delay is never negative).
   */
  public record Request(String type, JsonObject payload, Instant runAt, Duration delay, String key) {

    public Request {
      Objects.requireNonNull(type, "type");
      if (key != null && (key.isBlank() || key.length() > MAX_KEY_LENGTH)) {
        throw new IllegalArgumentException("a key must be 1 to " + MAX_KEY_LENGTH + " characters, not blank");
      }
      payload = payload == null ? new JsonObject() : payload;
      if (delay != null && delay.isNegative()) {
        throw new IllegalArgumentException("delay must not be negative");
      }
      if (delay != null && runAt != null) {
        throw new IllegalArgumentException("an item has a runAt or a delay, not both");
      }
    }

    /** An item to run at once. */
    public Request(String type, JsonObject payload) {
      this(type, payload, null, null, null);
    }

    /** This item, not started before {@code at}. */
    public Request runAt(Instant at) {
      return new Request(type, payload, Objects.requireNonNull(at), null, key);
    }

    /** This item, not started before {@code delay} after its enqueue. */
    public Request delay(Duration delay) {
      return new Request(type, payload, null, Objects.requireNonNull(delay), key);
    }

    /** This item with a unique key: see {@link WorkQueue#submit(Request)}. */
    public Request key(String key) {
      return new Request(type, payload, runAt, delay, Objects.requireNonNull(key));
    }

    /** The run time in epoch ms for an enqueue at {@code now}; 0 for at once. */
    long runAtMillis(long now) {
      return runAt != null ? runAt.toEpochMilli() : delay != null ? now + delay.toMillis() : 0;
    }

    /** The item as the event bus and the admin API take it. */
    public JsonObject toJson() {
      JsonObject json = new JsonObject().put(TYPE, type).put(PAYLOAD, payload);
      if (runAt != null) {
        json.put(RUN_AT, runAt.toString());
      }
      if (delay != null) {
        json.put(DELAY, delay.toMillis());
      }
      if (key != null) {
        json.put(KEY, key);
      }
      return json;
    }
  }

  /**
   * Validates {@code body} and returns the item it describes.
   *
   * @throws WorkException when it is malformed, checked in this order: a body that is not a JSON object
   *                       ({@code invalid_item}, no field); a missing or blank or non-string {@code type}
   *                       ({@code unknown_type}, field {@code type}); a {@code payload} that is not a JSON object
   *                       ({@code invalid_item}, field {@code payload}); any other field ({@code invalid_item}, the
   *                       field's name); a bad or negative {@code delay}, a bad {@code runAt}, or both
   *                       ({@code invalid_item}, field {@code delay} or {@code runAt}); a {@code key} that is not a
   *                       non-blank string of at most 200 characters ({@code invalid_item}, field {@code key})
   */
  public static Request parse(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new WorkException(WorkException.INVALID_ITEM, "a work item must be a JSON object with a 'type', not "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    Object type = json.getValue(TYPE);
    if (!(type instanceof String t) || t.isBlank()) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "the item's 'type' must be a non-blank string",
          TYPE);
    }
    Object payload = json.getValue(PAYLOAD);
    if (payload != null && !(payload instanceof JsonObject)) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'payload' must be a JSON object", PAYLOAD);
    }
    for (String field : json.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new WorkException(WorkException.INVALID_ITEM, "the item's field '" + field
            + "' is not allowed; an item has only 'type', 'payload', 'runAt', 'delay' and 'key'", field);
      }
    }
    Instant runAt = runAt(json.getValue(RUN_AT));
    Duration delay = delay(json.getValue(DELAY));
    if (runAt != null && delay != null) {
      throw new WorkException(WorkException.INVALID_ITEM, "an item has a 'runAt' or a 'delay', not both", DELAY);
    }
    Object key = json.getValue(KEY);
    if (key != null && (!(key instanceof String k) || k.isBlank() || k.length() > MAX_KEY_LENGTH)) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'key' must be a non-blank string of at most "
          + MAX_KEY_LENGTH + " characters", KEY);
    }
    return new Request(t, (JsonObject) payload, runAt, delay, (String) key);
  }

  private static Instant runAt(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof String s) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        // Refused below.
      }
    }
    throw new WorkException(WorkException.INVALID_ITEM, "the item's 'runAt' must be an ISO-8601 instant such as"
        + " \"2030-01-01T00:00:00Z\"", RUN_AT);
  }

  private static Duration delay(Object v) {
    if (v == null) {
      return null;
    }
    Duration d = null;
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      d = Duration.ofMillis(n.longValue());
    } else if (v instanceof String s) {
      String text = s.trim().toLowerCase(Locale.ROOT);
      Matcher m = SHORT_DURATION.matcher(text);
      try {
        if (m.matches()) {
          long n = Long.parseLong(m.group(1));
          d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
        } else if (text.startsWith("p") || text.startsWith("-p")) {
          d = Duration.parse(text.toUpperCase(Locale.ROOT));
        }
      } catch (RuntimeException e) {
        d = null;
      }
    }
    if (d == null) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'delay' must be milliseconds or a duration"
          + " such as \"30s\", \"5m\" or \"PT1H\"", DELAY);
    }
    if (d.isNegative()) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'delay' must not be negative", DELAY);
    }
    return d;
  }
}
