package io.berth.core;

/**
 * A part of Berth that plugs into the host without the host knowing it by name: the work queues, the admin
 * server, the token refreshers, and later the store, the cluster and metrics. A module registers its services,
 * the features it offers to services and other modules, and its event listeners, once, when the host is built.
 */
@FunctionalInterface
public interface HostModule {

  /** Registers what this module contributes; called once, on the thread that builds the host. */
  void register(ModuleContext context);
}
