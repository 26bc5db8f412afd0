package io.berth.work;

import io.vertx.core.Context;
import io.vertx.core.Future;

import java.util.List;
import java.util.Optional;

/**
 * Where one queue's items live from admission to their end: the seam between admission and the workers.
 * {@link MemoryItemStore} is the first implementation; a durable store (SQLite, then PostgreSQL) is another one
 * behind the same calls. Admission owns capacity and ids, the store owns where items are and in which state, and the
 * worker that claimed an item reports its transitions here.
 *
 * <p>Threads: every method may be called from any thread (admission runs on the caller's, transitions on the
 * workers') and must not block; a store that does I/O does it on its own thread and completes the futures there.
 */
interface ItemStore {

  /** The error of an item cancelled before it started. */
  String CANCELLED_BY_REQUEST = "cancelled by request";

  /** What {@link #stop()} leaves: how many items stay in the store for the next start, and the ids it loses. */
  record StopReport(long kept, List<String> lost) {
  }

  /**
   * Starts the store and completes with how many items it kept from the last run (they count against the queue's
   * capacity). {@code due} is to be called once per item that becomes claimable other than by an {@link #append}
   * (a durable store's claimed batch, an item whose run time came): it wakes an idle worker. Timers of the store
   * (delayed items held in memory) run on {@code context}, the queue's.
   */
  Future<Long> open(Context context, Runnable due);

  /**
   * Pauses (true) or resumes the queue: a paused store hands no item to a worker. A durable store writes the state,
   * and {@link #pausedAtOpen()} reads it back at the next start.
   */
  Future<Void> pause(boolean paused);

  /** After {@link #open}: whether the queue was paused when the last process stopped (memory: never). */
  default boolean pausedAtOpen() {
    return false;
  }

  /**
   * The payload budget of the queue ({@link PayloadBudget}). Admission takes an item's bytes before {@link #append}
   * and, for a {@link #durable()} store, gives them back once the append completed (the payload is on disk). A store
   * that holds payloads in memory after that gives back what it holds when it lets go (the memory store: when an item
   * ends); a durable store that reads payloads back ahead of its workers takes their bytes here, and bounds what it
   * reads ahead by {@link PayloadBudget#available()}. Called once, before {@link #open}. By default ignored.
   */
  default void useBudget(PayloadBudget budget) {
  }

  /**
   * With a store shared by several nodes: how many of the queue's items each node ran, by node id and state label
   * (the node of an item's latest attempt; read from the table every few seconds). Empty for a store of one node.
   */
  default java.util.Map<String, java.util.Map<String, Long>> perNode() {
    return java.util.Map.of();
  }

  /**
   * With a store shared by several nodes: whether the queue is paused, as last read from the store (any node may
   * pause or resume it); null for a store of one node, whose pause is the dispatcher's own.
   */
  default Boolean sharedPaused() {
    return null;
  }

  /**
   * True when several nodes share this store (PostgreSQL in a cluster): an item admitted here may end on another
   * node, so admission bounds the shared backlog ({@link #count} of queued and retrying) instead of counting slots.
   */
  default boolean shared() {
    return false;
  }

  /** True when items survive a restart: a running item cut short by a shutdown then goes back to {@code queued}. */
  default boolean durable() {
    return false;
  }

  /**
   * Accepts an admitted item (its slot is reserved, its id given); the future completes once the item is accepted:
   * at once in memory, once committed in a durable store, with null; or, when the item has a unique key that an
   * unfinished item of the queue has, with that item's id, and nothing is kept. It fails with {@code stopping} after
   * {@link #stop()}, and then the item was not kept anywhere. The hot path of the memory store: no lock, no hop.
   */
  Future<String> append(Item item);

  /**
   * The next due item for a worker (oldest first), or null when none is due now. Never blocks: a durable store
   * claims from what it fetched ahead (later: by queue, state, run time, id) and calls {@code due} when it has more.
   */
  Item claim();

  /** Cheap and possibly stale: whether {@link #claim()} may find an item (a worker's check before it goes idle). */
  boolean hasDue();

  /** The claiming worker started {@code item} ({@code running}, attempt and start time are set on it). */
  void started(Item item);

  /**
   * The claiming worker ended a run of {@code item}: its state is final ({@code succeeded}, {@code dead},
   * {@code cancelled}, {@code timed-out}) and its error is set, or {@code retrying} with its next run time (the store
   * holds it until then), or {@code queued} (a durable store's shutdown hand-back). A durable store may write this behind; an item whose
   * end was not written runs again after a restart (at least once).
   */
  void finished(Item item);

  /** The status of an item this process knows in memory (queued, running or recently finished): never blocks. */
  Optional<ItemStatus> status(String id);

  /** The status of any item the store holds; a durable store reads it from disk when memory does not know it. */
  default Future<Optional<ItemStatus>> find(String id) {
    return Future.succeededFuture(status(id));
  }

  /**
   * The payload of item {@code id} as it was enqueued, for an item's detail: empty when the store has no such item
   * or no longer keeps its payload (the memory store lets go of it once a run ended; in-process work has none).
   * A durable store reads it from its table off the event loop. By default: not kept.
   */
  default Future<Optional<io.vertx.core.json.JsonObject>> payload(String id) {
    return Future.succeededFuture(Optional.empty());
  }

  /**
   * What a cancel found: {@code was} {@code queued} or {@code retrying}: the store cancelled it ({@code now} is its
   * {@code cancelled} status, its slot is to be freed); {@code running}: its worker is to cancel its token; a final
   * state: nothing was done.
   */
  record Cancel(ItemState was, ItemStatus now) {
  }

  /** Cancels item {@code id} if it has not started; empty when the store has no such item. */
  Future<Optional<Cancel>> cancel(String id);

  /** One page of a listing, newest first; {@code next} is the cursor of the next page, null after the last. */
  record Page(List<ItemStatus> items, String next) {
  }

  /**
   * The items of the queue newest first, in {@code state} and of {@code type} when not null, at most {@code limit},
   * after {@code cursor} (null: from the newest). The memory store lists what it holds (live items and the retained
   * finished ones); a durable store lists its table.
   *
   * @throws IllegalArgumentException (as the future's failure) for a cursor this store did not make
   */
  Future<Page> list(ItemState state, String type, int limit, String cursor);

  /** The dead items of the queue, newest first, at most {@code limit}. */
  Future<List<ItemStatus>> dead(int limit);

  /**
   * Re-enqueues the dead item {@code id} with all its attempts again; completes with the state the item was in
   * ({@code dead}: done; any other: nothing changed), or empty when the store has no such item.
   */
  Future<Optional<ItemState>> revive(String id);

  /** Re-enqueues every dead item; completes with how many. */
  Future<Long> reviveAll();

  /** Deletes the dead item {@code id}; completes as {@link #revive(String)} does. */
  Future<Optional<ItemState>> delete(String id);

  /**
   * How many items are in {@code state}: queued, running, retrying and dead (the dead letters) now; for the other
   * final states, how many reached them since the queue started ({@code failed}: dead ones included).
   */
  long count(ItemState state);

  /**
   * The queue stops: no appends and no claims from here on, while the items already running still report their
   * ends. Reports the items admitted but not run: in memory all are lost (their status stays {@code queued} for
   * status queries); a durable store keeps them (and hands back what it claimed ahead) for the next start.
   */
  StopReport stop();

  /**
   * After the last end was reported: completes once everything reported is written, with how many items the store
   * keeps for the next start (queued or interrupted).
   */
  default Future<Long> flush() {
    return Future.succeededFuture(0L);
  }
}
