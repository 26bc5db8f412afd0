package io.berth.core;

/** The host could not start: a service failed or timed out, and the services already started were stopped. */
public final class HostStartException extends RuntimeException {

  private final String service;

  public HostStartException(String service, String message, Throwable cause) {
    super(message, cause);
    this.service = service;
  }

  /** The service that failed to start, or null when the start was interrupted by a stop request. */
  public String service() {
    return service;
  }
}
