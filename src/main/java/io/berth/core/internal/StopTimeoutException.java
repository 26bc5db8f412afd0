package io.berth.core.internal;

/** A service that did not stop within its share of the shutdown timeout and was cut short. */
public final class StopTimeoutException extends RuntimeException {
  public StopTimeoutException(String message) {
    super(message, null, false, false);
  }
}
