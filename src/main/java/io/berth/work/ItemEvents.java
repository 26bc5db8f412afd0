package io.berth.work;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Item status changes on the event bus at {@link WorkQueues#ITEMS_ADDRESS}, published only while somebody watches
 * ({@link WorkQueues#watchItems()}), so that the hot path pays one volatile read when nobody does.
 */
final class ItemEvents {

  private final AtomicInteger watchers = new AtomicInteger();

  AutoCloseable watch() {
    watchers.incrementAndGet();
    AtomicInteger once = new AtomicInteger();
    return () -> {
      if (once.getAndIncrement() == 0) {
        watchers.decrementAndGet();
      }
    };
  }

  void changed(Vertx vertx, String queue, Item item) {
    if (watchers.get() == 0) {
      return;
    }
    JsonObject event = new JsonObject().put("queue", queue).put("id", item.id).put("type", item.type)
        .put("status", item.state.label()).put("attempts", item.attempts);
    if (item.error != null) {
      event.put("error", item.error);
    }
    vertx.eventBus().publish(WorkQueues.ITEMS_ADDRESS, event);
  }
}
