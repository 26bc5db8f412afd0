package io.berth.work;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The status of a queue's items: every item not yet finished, plus the last {@code retention} finished ones in a
 * ring, so memory stays bounded. Added and finished on the queue's context; read from any thread.
 */
final class StatusStore {

  private final Map<String, Item> items = new ConcurrentHashMap<>();
  private final String[] finished;
  private int next;

  StatusStore(int retention) {
    this.finished = new String[retention];
  }

  void add(Item item) {
    items.put(item.id, item);
  }

  void finished(Item item) {
    if (finished.length == 0) {
      items.remove(item.id);
      return;
    }
    String evicted = finished[next];
    if (evicted != null) {
      items.remove(evicted);
    }
    finished[next] = item.id;
    next = next + 1 == finished.length ? 0 : next + 1;
  }

  Item get(String id) {
    return items.get(id);
  }
}
