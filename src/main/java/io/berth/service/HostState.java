package io.berth.service;

/** Where the host is in its lifetime. */
public enum HostState {
  CREATED, STARTING, STARTED, STOPPING, STOPPED;

  /** The lower-case name used in events and the admin API. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
