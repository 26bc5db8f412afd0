package io.berth.core;

import io.berth.core.internal.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/** The host's listeners of {@link HostEvent}s: modules and services publish here, listeners come and go. */
public final class HostEvents {

  private static final Logger log = LoggerFactory.getLogger(HostEvents.class);

  /**
   * The listeners, replaced whole on each change (copy on write): a publisher on a hot path reads one volatile field
   * and walks a plain array, with no iterator.
   */
  private volatile HostListener[] listeners = new HostListener[0];

  /** Adds {@code listener} until the returned handle is closed. */
  public AutoCloseable listen(HostListener listener) {
    Objects.requireNonNull(listener);
    synchronized (this) {
      HostListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
      next[next.length - 1] = listener;
      listeners = next;
    }
    return () -> remove(listener);
  }

  private synchronized void remove(HostListener listener) {
    HostListener[] now = listeners;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == listener) {
        HostListener[] next = new HostListener[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        listeners = next;
        return;
      }
    }
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
