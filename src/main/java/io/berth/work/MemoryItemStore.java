package io.berth.work;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-memory {@link ItemStore}: a lock-free FIFO channel of admitted items that are due (bounded by admission's
 * capacity), the {@link DelayedItems} not due yet (delayed or retrying), the dead letters (the last
 * {@code statusRetention}) and a bounded status index ({@link StatusStore}). Nothing survives a stop: items admitted
 * but not run are returned by {@link #stop()} to be named in the log.
 */
final class MemoryItemStore implements ItemStore {

  private final String queue;
  private final TypeLimits limits;
  private final TypedChannel channel;
  private final DelayedItems delayed = new DelayedItems();
  private final StatusStore statuses;
  /** The unfinished items that have a unique key, by key. */
  private final Map<String, Item> keys = new java.util.concurrent.ConcurrentHashMap<>();
  private final int deadKept;
  /** {@code uniqueWindow} in ms (0: keys only while unfinished). */
  private final long uniqueWindowMs;
  /**
   * Keys of items that finished within the window, oldest end first: key → the item's id and end time. Guarded by
   * itself; only keyed items touch it, and it is pruned by age as it grows.
   */
  private final LinkedHashMap<String, Ended> endedKeys = new LinkedHashMap<>();

  private record Ended(String id, long at) {
  }
  /** Dead items by id, oldest first; guarded by itself (off the hot path: only deaths and dead-letter calls). */
  private final Map<String, Item> dead = new LinkedHashMap<>();
  // Striped counters: each transition costs one uncontended add, and stats() sums them.
  private final LongAdder appended = new LongAdder();
  private final LongAdder revived = new LongAdder();
  private final LongAdder claimed = new LongAdder();
  private final LongAdder claimedRetrying = new LongAdder();
  private final LongAdder retried = new LongAdder();
  private final LongAdder runEnds = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder cancelledQueued = new LongAdder();
  private final LongAdder cancelledRetrying = new LongAdder();
  private final LongAdder[] ended = new LongAdder[ItemState.values().length];
  private volatile boolean stopped;
  private PayloadBudget budget = new PayloadBudget("none", 0, null);

  MemoryItemStore(QueueOptions options) {
    this.queue = options.name();
    this.limits = new TypeLimits(options.typeConcurrency());
    this.channel = new TypedChannel(limits);
    this.statuses = new StatusStore(options.statusRetention(), options.capacity());
    this.deadKept = Math.max(1, options.statusRetention());
    this.uniqueWindowMs = options.uniqueWindow().toMillis();
    for (ItemState s : ItemState.values()) {
      ended[s.ordinal()] = new LongAdder();
    }
  }

  @Override
  public void useBudget(PayloadBudget budget) {
    this.budget = budget;
  }

  /** {@code item} is no longer held with its payload: its bytes go back to the budget. */
  private void letGo(Item item) {
    budget.release(item.dropPayload());
  }

  @Override
  public Future<Long> open(Context context, Runnable due) {
    delayed.open(context, due);
    return Future.succeededFuture(0L);
  }

  @Override
  public Future<Void> pause(boolean paused) {
    return Future.succeededFuture();   // nothing to write: the dispatcher holds the flag
  }

  @Override
  public Future<String> append(Item item) {
    if (item.key != null) {
      String ended = endedWithin(item.key);
      if (ended != null) {
        return Future.succeededFuture(ended);
      }
      Item first = keys.putIfAbsent(item.key, item);
      if (first != null) {
        return Future.succeededFuture(first.id);
      }
      ended = endedWithin(item.key);   // it may have ended between the two looks: the ended one wins
      if (ended != null) {
        keys.remove(item.key, item);
        return Future.succeededFuture(ended);
      }
    }
    statuses.add(item);
    boolean later = item.runAtMillis > item.enqueuedMillis;
    if (later) {
      delayed.add(item);
    } else {
      channel.offer(item);
    }
    if (stopped && (later ? delayed.remove(item) : channel.remove(item))) {
      // The stop emptied the channel before this item got in: refuse it rather than leave it unseen.
      statuses.remove(item);
      releaseKey(item);
      return Future.failedFuture(WorkException.stopping(queue, true));
    }
    appended.increment();
    return Future.succeededFuture();
  }

  private void releaseKey(Item item) {
    if (item.key != null) {
      if (uniqueWindowMs > 0 && item.state().isFinal() && item.state() != ItemState.CANCELLED) {
        long now = System.currentTimeMillis();
        synchronized (endedKeys) {
          endedKeys.remove(item.key);
          endedKeys.put(item.key, new Ended(item.id, now));
          Iterator<Ended> oldest = endedKeys.values().iterator();
          while (oldest.hasNext() && oldest.next().at < now - uniqueWindowMs) {
            oldest.remove();
          }
        }
      }
      keys.remove(item.key, item);
    }
  }

  /** The id of the item with {@code key} that ended within the unique window, or null. */
  private String endedWithin(String key) {
    if (uniqueWindowMs <= 0) {
      return null;
    }
    synchronized (endedKeys) {
      Ended e = endedKeys.get(key);
      return e != null && e.at >= System.currentTimeMillis() - uniqueWindowMs ? e.id : null;
    }
  }

  /** Test seam: moves the end of the item with {@code key} back by {@code ms}, as if it ended that long ago. */
  void agedKeyForTest(String key, long ms) {
    synchronized (endedKeys) {
      Ended e = endedKeys.get(key);
      if (e != null) {
        endedKeys.put(key, new Ended(e.id, e.at - ms));
      }
    }
  }

  @Override
  public Item claim() {
    Item item = delayed.pollDue();
    if (item != null && !limits.tryAcquire(item.type)) {
      // Due, but its type is at its limit: it waits with the due items of its type, behind nobody else.
      channel.offer(item);
      item = null;
    }
    if (item == null) {
      item = channel.poll();
    }
    if (item != null) {
      claimed.increment();
      if (item.state() == ItemState.RETRYING) {
        claimedRetrying.increment();
      }
    }
    return item;
  }

  @Override
  public boolean hasDue() {
    return channel.hasClaimable() || delayed.hasDue();
  }

  @Override
  public void started(Item item) {
    // The item carries its own progress, read by status(): nothing to write.
  }

  @Override
  public void finished(Item item) {
    limits.release(item.type);
    runEnds.increment();
    ItemState state = item.state();
    if (state == ItemState.RETRYING) {
      retried.increment();
      delayed.add(item);
      return;
    }
    ended[state.ordinal()].increment();
    releaseKey(item);
    if (state == ItemState.DEAD) {
      synchronized (dead) {
        dead.put(item.id, item);
        Iterator<Item> oldest = dead.values().iterator();
        while (dead.size() > deadKept && oldest.hasNext()) {
          letGo(oldest.next());
          oldest.remove();
        }
      }
    } else {
      letGo(item);   // its status stays known a while, without its payload
    }
    statuses.finished(item);
  }

  @Override
  public Optional<ItemStatus> status(String id) {
    Item item = statuses.get(id);
    if (item == null) {
      synchronized (dead) {
        item = dead.get(id);
      }
    }
    return item == null ? Optional.empty() : Optional.of(item.snapshot(queue));
  }

  /**
   * The payload while this store still holds it: queued, running, retrying, and dead (among the last
   * {@code statusRetention} dead letters); empty once a run ended otherwise (it let go of the bytes), for in-process
   * work, and for an unknown id. A copy, so that the detail never shares an object a handler may be reading.
   */
  @Override
  public Future<Optional<JsonObject>> payload(String id) {
    Item item = statuses.get(id);
    if (item == null) {
      synchronized (dead) {
        item = dead.get(id);
      }
    }
    JsonObject held = item == null ? null : item.payload;
    return Future.succeededFuture(Optional.ofNullable(held == null ? null : held.copy()));
  }

  @Override
  public Future<Optional<Cancel>> cancel(String id) {
    Item item = statuses.get(id);
    if (item == null) {
      return Future.succeededFuture(status(id).map(s -> new Cancel(s.state(), s)));
    }
    ItemState was = item.state();
    // Whoever takes the item out of the channel or the delayed set owns it: a worker's claim, or this cancel.
    boolean taken = was == ItemState.QUEUED && (channel.remove(item) || delayed.remove(item))
        || was == ItemState.RETRYING && delayed.remove(item);
    if (!taken) {
      ItemState now = item.state();
      return Future.succeededFuture(Optional.of(new Cancel(now.isFinal() ? now : ItemState.RUNNING,
          item.snapshot(queue))));
    }
    (was == ItemState.RETRYING ? cancelledRetrying : cancelledQueued).increment();
    item.end(ItemState.CANCELLED, CANCELLED_BY_REQUEST);
    letGo(item);
    releaseKey(item);
    ended[ItemState.CANCELLED.ordinal()].increment();
    statuses.finished(item);
    return Future.succeededFuture(Optional.of(new Cancel(was, item.snapshot(queue))));
  }

  /** Newest first: enqueue time, then the id's counter (same prefix: a longer id is newer). */
  private static final java.util.Comparator<Item> NEWEST = java.util.Comparator
      .comparingLong((Item i) -> i.enqueuedMillis).thenComparingInt(i -> i.id.length())
      .thenComparing(i -> i.id).reversed();

  @Override
  public Future<Page> list(ItemState state, String type, int limit, String cursor) {
    Item after = null;
    if (cursor != null) {
      int dot = cursor.indexOf('.');
      try {
        after = Item.stored(0, cursor.substring(dot + 1), "", null, null, 0, Long.parseLong(cursor.substring(0, dot)),
            0, null);
      } catch (RuntimeException e) {
        return Future.failedFuture(new IllegalArgumentException("not a cursor of this queue: " + cursor));
      }
    }
    Map<String, Item> known = new java.util.HashMap<>();
    for (Item i : statuses.all()) {
      known.put(i.id, i);
    }
    synchronized (dead) {
      dead.values().forEach(i -> known.putIfAbsent(i.id, i));
    }
    Item from = after;
    List<Item> page = known.values().stream()
        .filter(i -> state == null || i.state() == state)
        .filter(i -> type == null || i.type.equals(type))
        .filter(i -> from == null || NEWEST.compare(i, from) > 0)
        .sorted(NEWEST).limit(limit + 1L).toList();
    List<ItemStatus> items = page.stream().limit(limit).map(i -> i.snapshot(queue)).toList();
    Item last = page.size() > limit ? page.get(limit - 1) : null;
    return Future.succeededFuture(new Page(items, last == null ? null : last.enqueuedMillis + "." + last.id));
  }

  @Override
  public Future<List<ItemStatus>> dead(int limit) {
    List<ItemStatus> newestFirst = new ArrayList<>();
    synchronized (dead) {
      for (Item item : dead.values()) {
        newestFirst.add(0, item.snapshot(queue));
      }
    }
    return Future.succeededFuture(newestFirst.subList(0, Math.min(limit, newestFirst.size())));
  }

  @Override
  public Future<Optional<ItemState>> revive(String id) {
    Item item;
    synchronized (dead) {
      item = dead.remove(id);
    }
    if (item == null) {
      return Future.succeededFuture(status(id).map(ItemStatus::state));
    }
    revive(item);
    return Future.succeededFuture(Optional.of(ItemState.DEAD));
  }

  private void revive(Item item) {
    item.revive();
    statuses.add(item);
    revived.increment();
    channel.offer(item);
  }

  @Override
  public Future<Long> reviveAll() {
    List<Item> all;
    synchronized (dead) {
      all = new ArrayList<>(dead.values());
      dead.clear();
    }
    all.forEach(this::revive);
    return Future.succeededFuture((long) all.size());
  }

  @Override
  public Future<Optional<ItemState>> delete(String id) {
    Item item;
    synchronized (dead) {
      item = dead.remove(id);
    }
    if (item == null) {
      return Future.succeededFuture(status(id).map(ItemStatus::state));
    }
    letGo(item);
    statuses.remove(item);
    return Future.succeededFuture(Optional.of(ItemState.DEAD));
  }

  @Override
  public long count(ItemState state) {
    return switch (state) {
      case QUEUED -> Math.max(0, appended.sum() + revived.sum() - (claimed.sum() - claimedRetrying.sum())
          - dropped.sum() - cancelledQueued.sum());
      case RUNNING -> Math.max(0, claimed.sum() - runEnds.sum());
      case RETRYING -> Math.max(0, retried.sum() - claimedRetrying.sum() - cancelledRetrying.sum());
      case FAILED -> ended[ItemState.FAILED.ordinal()].sum() + ended[ItemState.DEAD.ordinal()].sum();
      case DEAD -> {
        synchronized (dead) {
          yield dead.size();
        }
      }
      default -> ended[state.ordinal()].sum();
    };
  }

  @Override
  public StopReport stop() {
    stopped = true;
    List<String> notRun = new ArrayList<>();
    for (Item item : channel.drain()) {
      notRun.add(item.id);
      letGo(item);
      dropped.increment();
    }
    for (Item item : delayed.drain()) {
      notRun.add(item.id);
      letGo(item);
      dropped.increment();
    }
    return new StopReport(0, notRun);
  }
}
