package io.berth.host;

/** A service that did not stop within its share of the shutdown timeout and was cut short. */
final class StopTimeoutException extends RuntimeException {
  StopTimeoutException(String message) {
    super(message, null, false, false);
  }
}
