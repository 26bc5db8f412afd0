package io.berth.core;

/** Why {@link Host#trigger(String)} did not start a run. */
public final class TriggerException extends RuntimeException {

  /** The reasons, each with the short code the admin API answers. */
  public enum Reason {
    UNKNOWN_SERVICE("unknown_service"), NOT_TIMED("not_timed"), RUNNING("running"), NOT_RUNNING("not_running");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }
  }

  private final Reason reason;

  public TriggerException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
