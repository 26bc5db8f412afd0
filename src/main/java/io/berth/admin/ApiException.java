package io.berth.admin;

/**
 * A request the admin API refuses: the router answers it with {@link #status()} and the body
 * {@code {"error": code, "message": message}}. Throw it (or pass it to {@code RoutingContext.fail}) from a route.
 */
final class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private long retryAfterSeconds = -1;

  /**
   * @param status  the HTTP status, 4xx or 5xx
   * @param code    a short snake_case code clients can match on, such as {@code unknown_service}
   * @param message one human sentence naming the field or value at fault
   */
  public ApiException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** Adds a {@code Retry-After} header (seconds) to the answer, for a refusal that a later retry may pass. */
  public ApiException retryAfter(long seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  /** The {@code Retry-After} seconds, or -1 when none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
