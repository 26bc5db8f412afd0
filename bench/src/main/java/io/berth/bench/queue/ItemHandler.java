package io.berth.bench.queue;

/** Called by a {@link QueueSystem} on the worker thread, at the very start of executing an item. */
@FunctionalInterface
public interface ItemHandler {
  void onRun(long payload);
}
