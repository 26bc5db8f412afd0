package io.berth.core;

import io.vertx.core.Future;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Leases of one-node-only services (cluster singletons), offered as a feature by the cluster module. The host core
 * contends for the lease of each singleton service and runs the service only while this node holds it; a holder
 * that cannot renew its lease is told it {@linkplain Holder#lost lost} it before the lease can pass to another node.
 * Every acquisition gets a fencing number that only grows; a write guarded by {@link #check} is refused once a
 * newer holder exists.
 */
public interface SingletonLeases {

  /** Told when this node gains or loses a lease; called on any thread, it must not block. */
  interface Holder {

    /** This node holds the lease now, with fencing number {@code fence}. */
    void acquired(long fence);

    /** This node no longer holds the lease (or can no longer be sure it does): stop the service now. */
    void lost(String reason);
  }

  /** One node's contention for one lease. */
  interface Contention {

    /** Stops contending and gives the lease up if this node holds it (call once the service has stopped). */
    Future<Void> close();
  }

  /** Contends for the lease of singleton {@code name} until the returned contention is closed. */
  Contention contend(String name, Holder holder);

  /** The fencing number of {@code name} while this node holds its lease, by this node's own clock. */
  OptionalLong fence(String name);

  /**
   * Whether {@code fence} is still the current, unexpired lease of {@code name}, by the store's clock: a service
   * checks it before a write that only the holder may make, and stops when it is refused.
   */
  Future<Boolean> check(String name, long fence);

  /** The current holders by the store's clock: singleton name to the node id that holds it. */
  Future<Map<String, String>> holders();
}
