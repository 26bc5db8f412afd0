package io.berth.work;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The handlers registered in code: global ones (every queue) and per-queue ones, which win for their queue. */
final class Handlers {

  /** One handler, blocking or async (exactly one is set). */
  record Entry(WorkHandler blocking, AsyncWorkHandler async) {
  }

  private final Map<String, Entry> global = new LinkedHashMap<>();
  private final Map<String, Map<String, Entry>> perQueue = new LinkedHashMap<>();

  void add(String queue, String type, Entry entry) {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("a work type must be a non-blank string");
    }
    Map<String, Entry> target = queue == null ? global : perQueue.computeIfAbsent(queue, q -> new LinkedHashMap<>());
    if (target.putIfAbsent(type, Objects.requireNonNull(entry)) != null) {
      throw new IllegalArgumentException("a handler for type '" + type + "' is already registered"
          + (queue == null ? "" : " on queue '" + queue + "'"));
    }
  }

  Iterable<String> queuesWithHandlers() {
    return perQueue.keySet();
  }

  /** The types a queue accepts, with their handlers. */
  Map<String, Entry> forQueue(String queue) {
    Map<String, Entry> all = new LinkedHashMap<>(global);
    all.putAll(perQueue.getOrDefault(queue, Map.of()));
    return Map.copyOf(all);
  }
}
