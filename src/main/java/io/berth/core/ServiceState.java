package io.berth.core;

/** Where a service is in its lifetime, as published on {@code berth.services}. */
public enum ServiceState {
  CREATED, STARTING, RUNNING, STOPPING, STOPPED, FAILED;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
