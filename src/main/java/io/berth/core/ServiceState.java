package io.berth.core;

/**
 * Where a service is in its lifetime, as published on {@code berth.services}. {@code STANDBY}: a singleton whose
 * lease another node holds (or nobody yet); this node starts it when it gets the lease.
 */
public enum ServiceState {
  CREATED, STARTING, RUNNING, STOPPING, STOPPED, FAILED, STANDBY;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
