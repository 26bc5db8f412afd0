package io.berth.host;

import java.util.concurrent.TimeoutException;

/** Recognises the failure of {@code Future.timeout}. */
final class Timeouts {
  private Timeouts() {
  }

  static boolean isTimeout(Throwable e) {
    return e instanceof TimeoutException;
  }
}
