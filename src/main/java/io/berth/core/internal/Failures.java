package io.berth.core.internal;

import java.util.concurrent.TimeoutException;

/** The one way Berth describes an exception in a log line, a status or an error body. */
public final class Failures {

  private Failures() {
  }

  /** {@code "IllegalStateException: boom"}, or the class name alone when there is no message. */
  public static String describe(Throwable e) {
    if (e == null) {
      return "unknown failure";
    }
    String message = e.getMessage();
    return message == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + message;
  }

  /** The message alone when there is one (for exceptions Berth made itself), else the class name. */
  public static String message(Throwable e) {
    return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
  }

  /** True for the failure of {@code Future.timeout}. */
  public static boolean isTimeout(Throwable e) {
    return e instanceof TimeoutException;
  }
}
