package io.berth.work;

/**
 * Thrown by a handler (or the failure of an async handler's future, anywhere in its causes) when retrying cannot
 * help, such as a payload that will never parse: the item ends {@code dead} at once, whatever attempts it has left.
 */
public class NonRetryableException extends RuntimeException {

  public NonRetryableException(String message) {
    super(message);
  }

  public NonRetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}
