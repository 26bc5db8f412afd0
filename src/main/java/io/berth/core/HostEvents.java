package io.berth.core;

import io.berth.core.internal.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** The host's listeners of {@link HostEvent}s: modules and services publish here, listeners come and go. */
public final class HostEvents {

  private static final Logger log = LoggerFactory.getLogger(HostEvents.class);

  private final CopyOnWriteArrayList<HostListener> listeners = new CopyOnWriteArrayList<>();

  /** Adds {@code listener} until the returned handle is closed. */
  public AutoCloseable listen(HostListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** True when some listener wants events of {@code topic}: a publisher on a hot path checks this first. */
  public boolean wanted(String topic) {
    for (HostListener l : listeners) {
      if (l.wants(topic)) {
        return true;
      }
    }
    return false;
  }

  /** Hands {@code event} to every listener that wants its topic. */
  public void publish(HostEvent event) {
    for (HostListener l : listeners) {
      if (l.wants(event.topic())) {
        try {
          l.onEvent(event);
        } catch (RuntimeException e) {
          log.error("A listener of host events failed on a '{}' event: {}", event.topic(), Failures.describe(e), e);
        }
      }
    }
  }

  /** Builds and publishes an event of {@code topic} only when a listener wants it. */
  public void publish(String topic, Supplier<? extends HostEvent> event) {
    if (wanted(topic)) {
      publish(event.get());
    }
  }
}
