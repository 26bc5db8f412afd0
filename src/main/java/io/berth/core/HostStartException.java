package io.berth.core;

/** The host could not start: a service failed or timed out, and the services already started were stopped. */
public final class HostStartException extends RuntimeException {

  private final String service;

  public HostStartException(String service, String message, Throwable cause) {
    super(message, cause);
    this.service = service;
  }

  /**
   * One exception for every failure of a start: the first is the result (its cause the service's own exception),
   * the others are added to it as suppressed exceptions.
   */
  static HostStartException of(java.util.List<? extends Throwable> failures) {
    Throwable first = failures.get(0);
    HostStartException result = first instanceof HostStartException h ? h
        : new HostStartException(null, first.getMessage(), first);
    for (Throwable other : failures.subList(1, failures.size())) {
      if (other != result) {
        result.addSuppressed(other);
      }
    }
    return result;
  }

  /** Every failure of the start: this one, then the suppressed ones (a concurrent start keeps them all). */
  public java.util.List<Throwable> failures() {
    java.util.List<Throwable> all = new java.util.ArrayList<>();
    all.add(this);
    all.addAll(java.util.List.of(getSuppressed()));
    return all;
  }

  /** The service that failed to start, or null when the start was interrupted by a stop request. */
  public String service() {
    return service;
  }
}
