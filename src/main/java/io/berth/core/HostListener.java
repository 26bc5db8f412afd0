package io.berth.core;

/**
 * Receives host events. Called on the thread where the event happened (an event loop, a worker): keep it short and
 * never block; a listener that throws is logged and does not stop the others.
 */
@FunctionalInterface
public interface HostListener {

  void onEvent(HostEvent event);

  /** True when this listener wants events of {@code topic}; publishers skip building events nobody wants. */
  default boolean wants(String topic) {
    return true;
  }
}
