package io.berth.work;

import io.vertx.core.Context;

import java.util.Comparator;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.RejectedExecutionException;

/**
 * Items held in memory until their run time (a delay, or a retry's backoff), earliest first. One timer on the
 * queue's context, armed for the earliest: when it fires, {@code due} wakes a worker per due item, so a due item
 * starts without polling. Lock-free; an empty set costs a claim one {@code isEmpty()}.
 */
final class DelayedItems {

  private static final Comparator<Item> ORDER = Comparator.comparingLong((Item i) -> i.runAtMillis)
      .thenComparingLong(i -> i.seq).thenComparing(i -> i.id);

  private final ConcurrentSkipListSet<Item> items = new ConcurrentSkipListSet<>(ORDER);
  private Context context;
  private Runnable due = () -> { };
  private final java.util.concurrent.atomic.AtomicBoolean armAsked = new java.util.concurrent.atomic.AtomicBoolean();
  // Owned by the context.
  private long timer = -1;
  private long armedFor = Long.MAX_VALUE;

  /** Starts the timer's work on {@code context}; {@code due} wakes one idle worker. */
  void open(Context context, Runnable due) {
    this.context = context;
    this.due = due;
    armAsked.set(false);
    rearm();
  }

  /** Holds {@code item} until its {@code runAtMillis} (its run time must not change while it is held). */
  void add(Item item) {
    items.add(item);
    rearm();
  }

  /** The earliest item if it is due now, taken out; else null. */
  Item pollDue() {
    if (items.isEmpty()) {
      return null;
    }
    Item first = first();
    return first != null && first.runAtMillis <= System.currentTimeMillis() && items.remove(first) ? first : null;
  }

  boolean hasDue() {
    if (items.isEmpty()) {
      return false;
    }
    Item first = first();
    return first != null && first.runAtMillis <= System.currentTimeMillis();
  }

  private Item first() {
    try {
      return items.first();
    } catch (java.util.NoSuchElementException e) {
      return null;
    }
  }

  /** Takes {@code item} out, if held; true when it was. */
  boolean remove(Item item) {
    return items.remove(item);
  }

  /** Takes the held item {@code id} out; null when none. */
  Item remove(String id) {
    for (Item i : items) {
      if (i.id.equals(id) && items.remove(i)) {
        return i;
      }
    }
    return null;
  }

  /** Empties the set, returning what it held. */
  java.util.List<Item> drain() {
    java.util.List<Item> all = new java.util.ArrayList<>();
    for (Item i; (i = items.pollFirst()) != null; ) {
      all.add(i);
    }
    return all;
  }

  int size() {
    return items.size();
  }

  /**
   * Schedules {@link #arm()} once for any number of adds before it runs: arm clears the flag before it looks at the
   * set, so an add either is seen by the arm already scheduled or schedules another one (no lost wake-up).
   */
  private void rearm() {
    Context ctx = context;
    if (ctx == null || !armAsked.compareAndSet(false, true)) {
      return;
    }
    try {
      ctx.runOnContext(v -> arm());
    } catch (RejectedExecutionException e) {
      // Vert.x is closing: nothing will run the items anyway.
    }
  }

  /** On the context: one timer for the earliest item; wakes a worker for each due one. */
  private void arm() {
    armAsked.set(false);
    long now = System.currentTimeMillis();
    int wake = 0;
    for (Item i : items) {
      if (i.runAtMillis > now || ++wake > 1024) {
        break;
      }
    }
    for (int k = 0; k < wake; k++) {
      due.run();
    }
    Item next = null;
    for (Item i : items) {
      if (i.runAtMillis > now) {
        next = i;
        break;
      }
    }
    long at = next == null ? Long.MAX_VALUE : next.runAtMillis;
    if (timer >= 0 && at == armedFor) {
      return;
    }
    if (timer >= 0) {
      context.owner().cancelTimer(timer);
      timer = -1;
    }
    armedFor = at;
    if (next != null) {
      timer = context.owner().setTimer(Math.max(1, at - now), t -> {
        timer = -1;
        arm();
      });
    }
  }
}
