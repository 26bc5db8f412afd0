package io.berth.work;

import java.util.Locale;

/** What an enqueue does when its queue is at capacity. */
public enum FullMode {
  /** The enqueue completes once there is room, or fails with {@code enqueue_timeout} (like BoundedChannelFullMode.Wait). */
  WAIT,
  /** The enqueue fails at once with {@code queue_full}. */
  REJECT;

  /** The config name: {@code wait} or {@code reject}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
