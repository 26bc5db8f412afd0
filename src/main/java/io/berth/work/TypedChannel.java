package io.berth.work;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Due items waiting for a worker: one lock-free FIFO for the types without a limit, and one per limited type
 * ({@link TypeLimits}). A claim takes the oldest head among the FIFOs whose type has room, so a type at its limit
 * never blocks the items of other types behind it (no head-of-line blocking), and takes the type's slot with it.
 * Without limits it is a single {@link ConcurrentLinkedQueue}: the hot path is unchanged.
 */
final class TypedChannel {

  /** Oldest first: run time, then a durable store's admission order, then admission time in this process. */
  private static final Comparator<Item> OLDEST = Comparator.comparingLong((Item i) -> i.runAtMillis)
      .thenComparingLong(i -> i.seq).thenComparingLong(i -> i.enqueuedNanos);

  private final TypeLimits limits;
  private final ConcurrentLinkedQueue<Item> open = new ConcurrentLinkedQueue<>();
  private final Map<String, ConcurrentLinkedQueue<Item>> byType = new HashMap<>();

  TypedChannel(TypeLimits limits) {
    this.limits = limits;
    for (String type : limits.types()) {
      byType.put(type, new ConcurrentLinkedQueue<>());
    }
  }

  private ConcurrentLinkedQueue<Item> of(Item item) {
    ConcurrentLinkedQueue<Item> q = byType.get(item.type);
    return q == null ? open : q;
  }

  void offer(Item item) {
    of(item).offer(item);
  }

  /**
   * The oldest item whose type has room, with the type's slot taken; null when none. The caller must give the slot
   * back ({@link TypeLimits#release}) when the item's run ends.
   */
  Item poll() {
    if (byType.isEmpty()) {
      return open.poll();
    }
    for (int tries = 0; tries < 4; tries++) {
      ConcurrentLinkedQueue<Item> best = null;
      Item bestHead = null;
      String bestType = null;
      Item head = open.peek();
      if (head != null) {
        best = open;
        bestHead = head;
      }
      for (Map.Entry<String, ConcurrentLinkedQueue<Item>> e : byType.entrySet()) {
        Item h = e.getValue().peek();
        if (h != null && limits.hasRoom(e.getKey()) && (bestHead == null || OLDEST.compare(h, bestHead) < 0)) {
          best = e.getValue();
          bestHead = h;
          bestType = e.getKey();
        }
      }
      if (best == null) {
        return null;
      }
      if (bestType == null) {
        Item item = open.poll();
        if (item != null) {
          return item;
        }
        continue;
      }
      if (!limits.tryAcquire(bestType)) {
        continue;   // another worker took the last slot meanwhile: look again
      }
      Item item = best.poll();
      if (item != null) {
        return item;
      }
      limits.release(bestType);
    }
    return null;
  }

  /** Whether {@link #poll()} may find an item: one waits whose type has room (cheap, possibly stale). */
  boolean hasClaimable() {
    if (!open.isEmpty()) {
      return true;
    }
    for (Map.Entry<String, ConcurrentLinkedQueue<Item>> e : byType.entrySet()) {
      if (!e.getValue().isEmpty() && limits.hasRoom(e.getKey())) {
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    if (!open.isEmpty()) {
      return false;
    }
    for (ConcurrentLinkedQueue<Item> q : byType.values()) {
      if (!q.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** How many items of {@code type} wait here. O(n): for the writer's claim-ahead of a limited type (small). */
  int count(String type) {
    ConcurrentLinkedQueue<Item> q = byType.get(type);
    return q == null ? 0 : q.size();
  }

  /** How many items wait here. O(n): for counts, off the hot path. */
  int size() {
    int n = open.size();
    for (ConcurrentLinkedQueue<Item> q : byType.values()) {
      n += q.size();
    }
    return n;
  }

  boolean remove(Item item) {
    return of(item).remove(item);
  }

  /** Takes every item out (a stop). */
  List<Item> drain() {
    List<Item> all = new ArrayList<>();
    for (Item i; (i = open.poll()) != null; ) {
      all.add(i);
    }
    for (ConcurrentLinkedQueue<Item> q : byType.values()) {
      for (Item i; (i = q.poll()) != null; ) {
        all.add(i);
      }
    }
    return all;
  }
}
