package io.berth.work;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The status of a queue's items: every item not yet finished, plus the last {@code retention} finished ones in a
 * ring, so memory stays bounded. Lock-free; safe from any thread.
 */
final class StatusStore {

  private final Map<String, Item> items;
  private final AtomicReferenceArray<String> finished;
  private final AtomicLong next = new AtomicLong();

  /** Sized for {@code retention} finished plus {@code capacity} live items up front: no resize on the hot path. */
  StatusStore(int retention, int capacity) {
    this.finished = new AtomicReferenceArray<>(retention);
    long expected = Math.min((long) retention + capacity, 1 << 22);
    this.items = new ConcurrentHashMap<>((int) (expected * 4 / 3 + 1));
  }

  void add(Item item) {
    items.put(item.id, item);
  }

  void remove(Item item) {
    items.remove(item.id);
  }

  void remove(String id) {
    items.remove(id);
  }

  /**
   * Forgets {@code item} when the store no longer decides its status here (handed back to a shared table, or run by
   * another node): a status query then reads the table. Keeps a newer claim of the same id.
   */
  void forget(Item item) {
    items.remove(item.id, item);
  }

  void finished(Item item) {
    int n = finished.length();
    if (n == 0) {
      items.remove(item.id);
      return;
    }
    String evicted = finished.getAndSet((int) (next.getAndIncrement() % n), item.id);
    if (evicted != null) {
      items.remove(evicted);
    }
  }

  /** Every item known: live ones and the retained finished ones (a weakly consistent view). */
  java.util.Collection<Item> all() {
    return items.values();
  }

  /** Items known now (live and retained finished ones). */
  int size() {
    return items.size();
  }

  Item get(String id) {
    return items.get(id);
  }
}
