package io.berth.core;

/** What a running service's runner may ask of its host. */
interface HostControl {

  /** Records and publishes a state change of {@code service}. */
  void serviceState(ManagedService service, ServiceState state, String error);

  /** Marks the host failed (exit code 1) because {@code service} failed with {@code cause}, and stops it gracefully. */
  void failAndStop(String service, Throwable cause);
}
