package io.berth.work;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory {@link ItemStore}: a lock-free FIFO channel of admitted items (bounded by admission's capacity) and
 * a bounded status index ({@link StatusStore}). Nothing survives a stop: items admitted but not run are returned by
 * {@link #stop()} to be named in the log.
 */
final class MemoryItemStore implements ItemStore {

  private final String queue;
  private final ConcurrentLinkedQueue<Item> channel = new ConcurrentLinkedQueue<>();
  private final StatusStore statuses;
  // Striped counters: each transition costs one uncontended add, and stats() sums them.
  private final LongAdder appended = new LongAdder();
  private final LongAdder claimed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder[] ended = new LongAdder[ItemState.values().length];
  private volatile boolean stopped;

  MemoryItemStore(QueueOptions options) {
    this.queue = options.name();
    this.statuses = new StatusStore(options.statusRetention(), options.capacity());
    for (ItemState s : ItemState.values()) {
      ended[s.ordinal()] = new LongAdder();
    }
  }

  @Override
  public Future<Void> append(Item item) {
    statuses.add(item);
    channel.offer(item);
    if (stopped && channel.remove(item)) {
      // The stop emptied the channel before this item got in: refuse it rather than leave it unseen.
      statuses.remove(item);
      return Future.failedFuture(WorkException.stopping(queue, true));
    }
    appended.increment();
    return Future.succeededFuture();
  }

  @Override
  public Item claim() {
    Item item = channel.poll();
    if (item != null) {
      claimed.increment();
    }
    return item;
  }

  @Override
  public boolean hasDue() {
    return !channel.isEmpty();
  }

  @Override
  public void started(Item item) {
    // The item carries its own progress, read by status(): nothing to write.
  }

  @Override
  public void finished(Item item) {
    ended[item.state().ordinal()].increment();
    statuses.finished(item);
  }

  @Override
  public Optional<ItemStatus> status(String id) {
    Item item = statuses.get(id);
    return item == null ? Optional.empty() : Optional.of(item.snapshot(queue));
  }

  @Override
  public long count(ItemState state) {
    return switch (state) {
      case QUEUED -> Math.max(0, appended.sum() - claimed.sum() - dropped.sum());
      case RUNNING -> Math.max(0, claimed.sum() - finishedSum());
      default -> ended[state.ordinal()].sum();
    };
  }

  private long finishedSum() {
    long n = 0;
    for (ItemState s : ItemState.values()) {
      if (s.isFinal()) {
        n += ended[s.ordinal()].sum();
      }
    }
    return n;
  }

  @Override
  public StopReport stop() {
    stopped = true;
    List<String> notRun = new ArrayList<>();
    for (Item item; (item = channel.poll()) != null; ) {
      notRun.add(item.id);
      dropped.increment();
    }
    return new StopReport(0, notRun);
  }
}
