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

  private final Map<String, Item> items = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<String> finished;
  private final AtomicLong next = new AtomicLong();

  StatusStore(int retention) {
    this.finished = new AtomicReferenceArray<>(retention);
  }

  void add(Item item) {
    items.put(item.id, item);
  }

  void remove(Item item) {
    items.remove(item.id);
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

  Item get(String id) {
    return items.get(id);
  }
}
