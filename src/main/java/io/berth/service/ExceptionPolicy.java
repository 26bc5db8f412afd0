package io.berth.service;

/** What the host does when a background service's {@code execute} throws. */
public enum ExceptionPolicy {
  /** Log, mark the service failed and stop the host, which exits with code 1 (the default, as in .NET 6+). */
  STOP_HOST("StopHost"),
  /** Log and mark the service failed; the host keeps running. */
  IGNORE("Ignore"),
  /**
   * Log and run {@code execute} again after an exponential backoff with jitter; too many crashes within the
   * restart window fall back to {@link #STOP_HOST}.
   */
  RESTART("Restart");

  private final String label;

  ExceptionPolicy(String label) {
    this.label = label;
  }

  /** The name used in config: {@code StopHost}, {@code Ignore} or {@code Restart}. */
  public String label() {
    return label;
  }
}
