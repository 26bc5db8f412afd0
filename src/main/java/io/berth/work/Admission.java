package io.berth.work;

import io.berth.core.internal.Futures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A queue's admission, the one step where an item is accepted: it reserves a slot of {@code capacity} (queued plus
 * running) with a CAS, gives the item its id and enqueue time, and appends it to the {@link ItemStore}. When the
 * queue is full it refuses ({@code reject}) or parks the request on the queue's context ({@code wait}), where parked
 * requests are admitted in FIFO order as slots free. With room and nobody parked, admission runs on the caller's
 * thread without a lock or a hop.
 */
final class Admission {

  private final QueueOptions options;
  private final ItemStore store;
  /** The payload bytes this queue (and the host) may hold in memory. */
  private final PayloadBudget budget;
  /** Told of every admitted item (from the thread that admitted it): wakes a worker, publishes the event. */
  private final Consumer<Item> admitted;

  /**
   * Items admitted and not finished (in the store or running): at most {@code capacity}. With a store shared by the
   * nodes of a cluster, only this node's admissions not yet committed: the store's backlog, which every node's
   * admissions and ends move, counts the rest.
   */
  private final AtomicInteger reserved = new AtomicInteger();
  /** How often parked requests look for room again when the store is shared. */
  private static final long SHARED_RECHECK_MS = 500;
  /** The store is shared by several nodes ({@link ItemStore#shared()}): capacity bounds the shared backlog. */
  private final boolean shared;
  /** Requests parked, or on their way to be parked: while any, new requests queue up behind them (FIFO). */
  private final AtomicInteger waiting = new AtomicInteger();
  /** Parked requests on their way to the queue's context, moved there in batches by one task at a time. */
  private final ConcurrentLinkedQueue<Waiter> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean housekeeping = new AtomicBoolean();
  private final AtomicLong ids = new AtomicLong();
  private final LongAdder enqueued = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  private volatile boolean open;
  /** Set once the host stops: nothing parks any more, so every waiting client gets its answer before the server closes. */
  private volatile boolean refuseParking;
  private volatile boolean started;
  private volatile Context context;
  private Vertx vertx;
  private String idPrefix;

  // Owned by the queue's context.
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long waiterTimer = -1;

  private record Waiter(String type, JsonObject payload, long bytes, Handlers.Entry handler, long runAt, String key,
                        Promise<String> reply,
                        long deadline) {
  }

  Admission(QueueOptions options, ItemStore store, Consumer<Item> admitted) {
    this(options, store, admitted, new PayloadBudget("queues." + options.name() + ".maxBytes", options.maxBytes(),
        null));
  }

  Admission(QueueOptions options, ItemStore store, Consumer<Item> admitted, PayloadBudget budget) {
    this.options = options;
    this.store = store;
    this.shared = store.shared();
    this.budget = budget;
    this.admitted = admitted;
  }

  /**
   * Opens admission; parked requests live on {@code context}, the queue's. {@code kept} items are already in the
   * store from the last run: they hold slots until they end.
   */
  void open(Context context, String idPrefix, long kept) {
    if (!shared) {
      reserved.addAndGet((int) Math.min(Integer.MAX_VALUE / 2, kept));
    }
    this.vertx = context.owner();
    this.context = context;
    this.idPrefix = idPrefix;
    started = true;
    open = true;
  }

  /** On the queue's context: ends admission; parked requests fail with {@code stopping}. */
  void close() {
    open = false;
    if (waiterTimer >= 0) {
      vertx.cancelTimer(waiterTimer);
      waiterTimer = -1;
    }
    for (Waiter w; (w = waiters.pollFirst()) != null || (w = incoming.poll()) != null; ) {
      waiting.decrementAndGet();
      fail(w, stopping());
    }
  }

  /**
   * The host is stopping: parked requests fail with {@code stopping} now, and a request that finds no room from now on
   * fails at once instead of parking. Admission with room goes on until {@link #close()}.
   */
  void refuseWaiting() {
    refuseParking = true;
    scheduleHousekeeping();
  }

  /**
   * Admission, from any thread: admits at once when there is room and nobody waits, refuses in reject mode, and
   * otherwise parks the request on the queue's context. The future completes on the caller's context, if any.
   */
  Future<String> submit(String type, JsonObject payload, Handlers.Entry handler, long runAt, String key) {
    Context ctx = context;
    if (ctx == null || !open) {
      return Future.failedFuture(stopping());
    }
    long bytes = PayloadBudget.size(payload);
    if (bytes > budget.max()) {
      rejected.increment();
      return Future.failedFuture(new WorkException(WorkException.PAYLOAD_TOO_LARGE, "the payload (about " + bytes
          + " bytes) is larger than queue '" + options.name() + "' may ever hold in memory (" + budget.max()
          + " bytes, " + budget.maxKey() + ")", WorkItems.PAYLOAD));
    }
    // Taken before the request may park: a parked request holds its payload too.
    if (!budget.tryTake(bytes)) {
      return Future.failedFuture(noMemory());
    }
    if (waiting.get() == 0 && tryReserve()) {
      return admit(type, payload, bytes, handler, runAt, key);
    }
    if (refuseParking) {
      budget.release(bytes);
      return Future.failedFuture(stopping());
    }
    if (options.fullMode() == FullMode.REJECT) {
      budget.release(bytes);
      rejected.increment();
      return Future.failedFuture(new WorkException(WorkException.QUEUE_FULL, "queue '" + options.name()
          + "' is full (capacity " + options.capacity() + ")"));
    }
    waiting.incrementAndGet();
    Promise<String> parked = Promise.promise();
    incoming.offer(new Waiter(type, payload, bytes, handler, runAt, key, parked,
        System.nanoTime() + options.enqueueTimeout().toNanos()));
    Context caller = Vertx.currentContext();
    if (caller == ctx) {
      housekeeping();
      return parked.future();
    }
    try {
      scheduleHousekeeping();
    } catch (RejectedExecutionException e) {
      // Vert.x is closing: nothing will run the housekeeping, so refuse here.
      parked.tryFail(stopping());
      return parked.future();
    }
    if (caller == null || parked.future().isComplete()) {
      return parked.future();
    }
    // Hand the outcome back on the caller's context, as a Vert.x caller expects.
    return Futures.backOn(caller, parked.future());
  }

  /** {@code n} items come back (re-enqueued dead letters): they hold slots, even past the capacity, until they end. */
  void adopt(long n) {
    if (!shared) {
      reserved.addAndGet((int) Math.min(Integer.MAX_VALUE / 2, n));
    }
  }

  /**
   * An admitted item ended: its slot is free for the next one (a parked request first). With a shared store the
   * slot was given back at commit, and the end shows in the store's backlog; a parked request looks again.
   */
  void release() {
    if (shared) {
      if (waiting.get() > 0) {
        scheduleHousekeeping();
      }
    } else {
      freeSlot();
    }
  }

  private void freeSlot() {
    reserved.decrementAndGet();
    if (waiting.get() > 0) {
      scheduleHousekeeping();
    }
  }

  long enqueued() {
    return enqueued.sum();
  }

  long rejected() {
    return rejected.sum();
  }

  private boolean tryReserve() {
    // Shared: the backlog is every node's queued and retrying items (the store's counts, refreshed every few
    // seconds and moved by this node's own admissions and ends in between), so a cluster-wide bound, approximate.
    long capacity = shared
        ? options.capacity() - store.count(ItemState.QUEUED) - store.count(ItemState.RETRYING)
        : options.capacity();
    for (int a = reserved.get(); a < capacity; a = reserved.get()) {
      if (reserved.compareAndSet(a, a + 1)) {
        return true;
      }
    }
    return false;
  }

  /** The refusal when the payloads held in memory leave no room: the same 503 as a full queue, whatever the mode. */
  private WorkException noMemory() {
    rejected.increment();
    return new WorkException(WorkException.QUEUE_FULL, "queue '" + options.name() + "' is full: the payloads it"
        + " holds in memory reached their budget (" + budget.maxKey() + ")");
  }

  /**
   * Admits an item whose slot and payload bytes are taken: its id, the store, then the listener (a worker is
   * woken). A durable store holds the payload only until its row is committed: its bytes come back then.
   */
  private Future<String> admit(String type, JsonObject payload, long bytes, Handlers.Entry handler, long runAt,
                               String key) {
    // Decimal: the JDK's fastest long-to-string.
    Item item = new Item(idPrefix.concat(Long.toString(ids.incrementAndGet())), type, payload, handler, runAt, key);
    item.bytes = bytes;
    Future<String> stored = store.append(item);
    if (stored.isComplete()) {   // the memory store: no further future, no hop
      return outcome(item, stored);
    }
    return stored.transform(ar -> outcome(item, stored));
  }

  private Future<String> outcome(Item item, Future<String> stored) {
    if (stored.failed() || stored.result() != null || store.durable() && !item.local) {
      budget.release(item.bytes);   // not kept, or kept on disk
    }
    if (stored.failed()) {
      return refused(stored.cause());
    }
    if (stored.result() != null) {   // an unfinished item has its key: nothing was created
      freeSlot();
      return Future.failedFuture(new Duplicate(stored.result()));
    }
    return accepted(item);
  }

  private Future<String> accepted(Item item) {
    enqueued.increment();
    if (shared) {
      freeSlot();   // committed: the shared backlog counts it from here, on every node
    }
    admitted.accept(item);
    return Future.succeededFuture(item.id);
  }

  private Future<String> refused(Throwable cause) {
    reserved.decrementAndGet();
    return Future.failedFuture(cause);
  }

  /** Runs {@link #housekeeping()} soon, once for any number of calls made before it runs (admission batches). */
  private void scheduleHousekeeping() {
    if (housekeeping.compareAndSet(false, true)) {
      try {
        context.runOnContext(v -> housekeeping());
      } catch (RejectedExecutionException e) {
        // Vert.x is closing: nothing is left to admit.
      }
    }
  }

  /** On the queue's context: parks the incoming requests (in arrival order) and admits them while there is room. */
  private void housekeeping() {
    housekeeping.set(false);
    for (Waiter w; (w = incoming.poll()) != null; ) {
      if (!open || refuseParking) {
        waiting.decrementAndGet();
        fail(w, stopping());
      } else {
        waiters.addLast(w);
      }
    }
    while (open && !waiters.isEmpty() && tryReserve()) {
      Waiter w = waiters.pollFirst();
      waiting.decrementAndGet();
      admit(w.type, w.payload, w.bytes, w.handler, w.runAt, w.key).onComplete(w.reply);
    }
    for (Waiter w; refuseParking && (w = waiters.pollFirst()) != null; ) {
      waiting.decrementAndGet();
      fail(w, stopping());
    }
    armWaiterTimer();
  }

  private void armWaiterTimer() {
    Waiter head = waiters.peekFirst();
    if (waiterTimer >= 0 || head == null) {
      return;
    }
    // All waiters share one timeout, so deadlines grow along the deque: one timer for the head is enough.
    long delay = Math.max(1, TimeUnit.NANOSECONDS.toMillis(head.deadline - System.nanoTime()) + 1);
    if (shared) {
      // Ends on other nodes free room without a call here: look again at least twice a second.
      delay = Math.min(delay, SHARED_RECHECK_MS);
    }
    waiterTimer = vertx.setTimer(delay, id -> {
      waiterTimer = -1;
      if (shared) {
        while (open && !waiters.isEmpty() && tryReserve()) {
          Waiter w = waiters.pollFirst();
          waiting.decrementAndGet();
          admit(w.type, w.payload, w.bytes, w.handler, w.runAt, w.key).onComplete(w.reply);
        }
      }
      long now = System.nanoTime();
      for (Waiter w; (w = waiters.peekFirst()) != null && w.deadline - now <= 0; ) {
        waiters.pollFirst();
        waiting.decrementAndGet();
        fail(w, new WorkException(WorkException.ENQUEUE_TIMEOUT, "queue '" + options.name()
            + "' had no room within " + options.enqueueTimeout().toMillis() + "ms (enqueueTimeout)"));
      }
      armWaiterTimer();
    });
  }

  /** A parked request is refused: its payload is no longer held. */
  private void fail(Waiter w, Throwable why) {
    budget.release(w.bytes);
    w.reply.fail(why);
  }

  private WorkException stopping() {
    return WorkException.stopping(options.name(), started);
  }
}
