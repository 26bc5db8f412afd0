package io.berth.work;

import java.util.Locale;

/**
 * Where a work item is: {@code queued → running → succeeded | retrying | dead | cancelled | timed-out}, and from
 * {@code retrying} back to {@code running} at its next attempt. {@code dead}: out of attempts, or its handler refused
 * retries ({@link NonRetryableException}); a dead item can be re-enqueued. {@code failed} is kept for an item that
 * could not run at all (its type lost its handler).
 */
public enum ItemState {
  QUEUED, RUNNING, RETRYING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT, DEAD;

  /** The name used in JSON: {@code queued}, ..., {@code timed-out}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The state whose {@link #label()} is {@code label}. */
  public static ItemState fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** True once the item ended, one way or another. */
  public boolean isFinal() {
    return ordinal() >= SUCCEEDED.ordinal();
  }
}
