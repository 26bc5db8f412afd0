package io.berth.work;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Thrown by a handler (or the failure of an async handler's future) to run the item again at a time of its
 * choosing (a rate limit's reset, say) instead of the queue's backoff. The attempt still counts: an item out of
 * attempts ends {@code dead} all the same.
 */
public class RetryLaterException extends RuntimeException {

  private final Instant at;

  /** Retry at {@code at} (at once when it is past). */
  public RetryLaterException(Instant at, String message) {
    super(message);
    this.at = Objects.requireNonNull(at, "at");
  }

  /** Retry {@code after} from now. */
  public RetryLaterException(Duration after, String message) {
    this(Instant.now().plus(after), message);
  }

  /** When the item should run again. */
  public Instant at() {
    return at;
  }
}
