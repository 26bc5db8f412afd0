package io.berth.work;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-type concurrency limits of one queue ({@code queues.<name>.types.<type>.concurrency}) and how many items
 * of each limited type run now. A worker takes a type's slot when it claims an item of that type and gives it back
 * when the run ends ({@link #release}); a type at its limit takes no further worker. Lock-free; unlimited types cost
 * one map lookup.
 */
final class TypeLimits {

  private final Map<String, Integer> limits;
  private final Map<String, AtomicInteger> running = new HashMap<>();

  TypeLimits(Map<String, Integer> limits) {
    this.limits = Map.copyOf(limits);
    for (String type : this.limits.keySet()) {
      running.put(type, new AtomicInteger());
    }
  }

  /** Whether some type has a limit: without one, the stores keep their single FIFO. */
  boolean any() {
    return !limits.isEmpty();
  }

  boolean limited(String type) {
    return limits.containsKey(type);
  }

  /** The limit of {@code type}, 0 when it has none. */
  int limit(String type) {
    Integer n = limits.get(type);
    return n == null ? 0 : n;
  }

  java.util.Set<String> types() {
    return limits.keySet();
  }

  /** Items of {@code type} that run now (0 for an unlimited type: not counted). */
  int running(String type) {
    AtomicInteger n = running.get(type);
    return n == null ? 0 : n.get();
  }

  /** Whether an item of {@code type} may start now (cheap, possibly stale). */
  boolean hasRoom(String type) {
    AtomicInteger n = running.get(type);
    return n == null || n.get() < limits.get(type);
  }

  /** Takes a slot of {@code type}; false when it is at its limit. Always true for an unlimited type. */
  boolean tryAcquire(String type) {
    AtomicInteger n = running.get(type);
    if (n == null) {
      return true;
    }
    int limit = limits.get(type);
    for (int a = n.get(); a < limit; a = n.get()) {
      if (n.compareAndSet(a, a + 1)) {
        return true;
      }
    }
    return false;
  }

  /** A run of an item of {@code type} ended: its slot is free. True when the type is limited (a worker may wake). */
  boolean release(String type) {
    AtomicInteger n = running.get(type);
    if (n == null) {
      return false;
    }
    n.decrementAndGet();
    return true;
  }
}
