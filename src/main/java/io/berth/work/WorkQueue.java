package io.berth.work;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One named queue of the host. Enqueueing here is the in-process path: it goes through the same admission step as
 * a request to the queue's event-bus address ({@link WorkQueues#address(String)}), without building a message.
 * The returned future completes with the item's id once the item is admitted: at once when there is room; in
 * {@code wait} mode when room frees up (or fails with {@code enqueue_timeout}); in {@code reject} mode it fails at
 * once with {@code queue_full}. It fails with {@code stopping} once the host is stopping, and with
 * {@code unknown_type} (synchronously checked) when the queue has no handler for the type.
 */
public final class WorkQueue {

  private final Dispatcher dispatcher;

  WorkQueue(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  public String name() {
    return dispatcher.name();
  }

  public QueueOptions options() {
    return dispatcher.options();
  }

  /** The types this queue has handlers for; anything else is refused with {@code unknown_type}. */
  public Set<String> types() {
    return dispatcher.types();
  }

  public boolean accepts(String type) {
    return dispatcher.accepts(type);
  }

  /** Enqueues a typed item; the queue takes the payload over, so do not change it afterwards. */
  public Future<String> enqueue(String type, JsonObject payload) {
    Handlers.Entry handler;
    try {
      handler = dispatcher.handler(type);
    } catch (WorkException e) {
      return Future.failedFuture(e);
    }
    return dispatcher.submit(type, payload == null ? new JsonObject() : payload, handler, 0);
  }

  /**
   * Enqueues an item with its options ({@link WorkItems.Request#delay}, {@link WorkItems.Request#runAt}): it does
   * not start before its run time.
   */
  public Future<String> enqueue(WorkItems.Request item) {
    return submit(item).map(Enqueued::id);
  }

  /**
   * Enqueues an item with its options and says whether it was created: with a unique {@link WorkItems.Request#key},
   * while an unfinished item (queued, delayed, running or retrying) of this queue has the same key, nothing is created
   * and the first item's id comes back with {@code created == false}. Two concurrent enqueues with one key create
   * exactly one item.
   */
  public Future<Enqueued> submit(WorkItems.Request item) {
    return dispatcher.submit(item).transform(ar -> ar.succeeded()
        ? Future.succeededFuture(new Enqueued(ar.result(), true))
        : ar.cause() instanceof Duplicate d ? Future.succeededFuture(new Enqueued(d.id, false))
        : Future.failedFuture(ar.cause()));
  }

  /** Enqueues in-process work (a lambda), under the same capacity and admission as typed items. */
  public Future<String> enqueue(LocalWork work) {
    return dispatcher.submit(work.type, null, work.handler, 0);
  }

  /**
   * Cancels item {@code id}: a queued, delayed or retrying one at once (status {@code cancelled}); a running one
   * cooperatively, by cancelling its token (reason {@code "cancelled"}): it ends {@code cancelled} when its handler
   * gives up, or with its own outcome if it finishes anyway. Completes with the state the item was in (a final one:
   * nothing done), or empty when the queue has no such item.
   */
  public Future<Optional<ItemState>> cancel(String id) {
    return dispatcher.cancel(id).map(found -> found.map(ItemStore.Cancel::was));
  }

  /** One page of {@link #list}: items newest first, and the cursor of the next page (null after the last). */
  public record Page(List<ItemStatus> items, String next) {
  }

  /**
   * The items of this queue, newest first: in {@code state} and of {@code type} when not null, at most
   * {@code limit}, after {@code cursor} (a page's {@code next}; null for the first page). The memory store lists the
   * items it holds (unfinished, and the last {@code statusRetention} finished); the SQLite store every stored item.
   * Fails with {@link IllegalArgumentException} for a cursor this queue did not make.
   */
  public Future<Page> list(ItemState state, String type, int limit, String cursor) {
    if (limit < 1) {
      return Future.failedFuture(new IllegalArgumentException("limit must be at least 1"));
    }
    return dispatcher.list(state, type, limit, cursor).map(p -> new Page(p.items(), p.next()));
  }

  /** The dead items of this queue (out of attempts, or refused retries), newest first, at most {@code limit}. */
  public Future<List<ItemStatus>> dead(int limit) {
    return dispatcher.dead(limit);
  }

  /**
   * Re-enqueues the dead item {@code id} with all its attempts again (its errors kept, its unique key dropped); it
   * takes a slot even past the capacity. Completes with the state the item was in ({@code dead}: re-enqueued; any other: nothing done), or
   * empty when the queue has no such item.
   */
  public Future<Optional<ItemState>> retry(String id) {
    return dispatcher.retryDead(id);
  }

  /** Re-enqueues every dead item of this queue; completes with how many. */
  public Future<Long> retryDead() {
    return dispatcher.retryAllDead();
  }

  /** Deletes the dead item {@code id}; completes as {@link #retry(String)} does. */
  public Future<Optional<ItemState>> deleteDead(String id) {
    return dispatcher.deleteDead(id);
  }

  /**
   * The status of an item known in memory: queued or running in this process, or recently finished
   * ({@code statusRetention}). With a durable store, {@link #find(String)} also reads the items on disk.
   */
  public Optional<ItemStatus> status(String id) {
    return dispatcher.status(id);
  }

  /** The status of any item of this queue, read from the store when memory does not know it (never blocks). */
  public Future<Optional<ItemStatus>> find(String id) {
    return dispatcher.find(id);
  }

  /**
   * The payload of item {@code id} as enqueued, for its detail: empty when the store no longer keeps it (the memory
   * store lets go once a run ended), for in-process work, and for an unknown id. Never blocks.
   */
  public Future<Optional<JsonObject>> payload(String id) {
    return dispatcher.store().payload(id);
  }

  /**
   * Pauses the queue: it still admits items but starts none (running ones finish) until {@link #resume()}. With the
   * SQLite store the pause survives restarts.
   */
  public Future<Void> pause() {
    return dispatcher.pause(true);
  }

  /** Resumes a paused queue: its due items start. */
  public Future<Void> resume() {
    return dispatcher.pause(false);
  }

  /**
   * In a cluster with the shared PostgreSQL store: the queue's items by the node that ran their latest attempt, and
   * by state (refreshed every few seconds); empty otherwise.
   */
  public java.util.Map<String, java.util.Map<String, Long>> perNode() {
    return dispatcher.perNode();
  }

  public boolean paused() {
    return dispatcher.paused();
  }

  public QueueStats stats() {
    return dispatcher.stats();
  }

  /** Test seam: the queue's store. */
  ItemStore store() {
    return dispatcher.store();
  }
}
