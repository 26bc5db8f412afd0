package io.berth.work;

import java.util.Locale;

/** Where a work item is: {@code queued → running → succeeded | failed | cancelled | timed-out}. */
public enum ItemState {
  QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT;

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
