package io.berth.work;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.berth.service.CancellationSource;

import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One of a queue's {@code concurrency} worker verticles (worker threading model on the queue's own pool, or virtual
 * threads, so handlers may block). It pulls items from the queue's channel and runs them one at a time. When the
 * channel is empty, or the queue is stopping, it goes idle; admission wakes it with one task on its own context, and
 * only an idle worker is woken (the {@link #idle} flag is the worker's single credit). Items never travel to a
 * worker as messages, so there is no consumer buffer that could overflow or drop anything: a worker holds at most
 * one wake-up and takes items from the bounded channel.
 */
final class Worker extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  /** Items run per context task before the worker yields its context (to its timers and wake-ups). */
  private static final int BATCH = 64;

  final AtomicBoolean idle = new AtomicBoolean(true);
  private final Dispatcher dispatcher;
  volatile Item current;

  Worker(Dispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }

  /** Starts draining on this worker's context; the caller has claimed the worker's credit ({@link #idle}). */
  void wake() {
    context.runOnContext(v -> drain());
  }

  /** Runs items until the channel is empty (then goes idle) or an async item is pending (it drains again when done). */
  private void drain() {
    for (int i = 0; i < BATCH; i++) {
      Item item = dispatcher.poll();
      if (item == null) {
        dispatcher.idle(this);
        // Re-check after going idle: an item admitted in between would otherwise wait for the next wake-up.
        if (!dispatcher.channelEmpty() && dispatcher.claim(this)) {
          continue;
        }
        return;
      }
      if (!run(item)) {
        return;
      }
    }
    context.runOnContext(v -> drain());
  }

  /** Runs one item; false when it is async and still pending. */
  private boolean run(Item item) {
    item.cancellation = new CancellationSource();
    current = item;
    item.attempts++;
    item.startedNanos = System.nanoTime();
    item.startedMillis = System.currentTimeMillis();
    item.state = ItemState.RUNNING;
    dispatcher.started(item, this);
    WorkContext ctx = new WorkContext(item.id, dispatcher.name(), item.type, item.payload, item.cancellation.token(),
        item.attempts, dispatcher.registry(), vertx);
    item.context = ctx;
    if (item.blocking != null) {
      Throwable failure = null;
      try {
        item.blocking.handle(ctx);
      } catch (Throwable e) {
        failure = e;
      }
      end(item, ctx, failure);
      return true;
    }
    Future<?> f;
    try {
      f = item.async.handle(ctx);
    } catch (Throwable e) {
      end(item, ctx, e);
      return true;
    }
    if (f == null || f.isComplete()) {
      end(item, ctx, f == null || f.succeeded() ? null : f.cause());
      return true;
    }
    f.onComplete(ar -> context.runOnContext(v -> {
      if (end(item, ctx, ar.failed() ? ar.cause() : null)) {
        drain();
      }
    }));
    return false;
  }

  /**
   * Called when an item's timeout fired (its token is already cancelled): an async item ends now and frees its
   * slot; a blocking one ends when its handler returns, as its thread cannot be taken back.
   */
  void timedOut(Item item) {
    if (item.async != null) {
      context.runOnContext(v -> {
        if (item.state == ItemState.RUNNING && end(item, item.context, null)) {
          drain();
        }
      });
    }
  }

  /** Records the outcome once (an async item may also be ended by its timeout); true when this call ended it. */
  private boolean end(Item item, WorkContext ctx, Throwable failure) {
    if (item.state.isFinal()) {
      return false;
    }
    if (ctx != null) {
      ctx.end();
    }
    String queue = dispatcher.name();
    ItemState outcome;
    if (item.timedOut) {
      outcome = ItemState.TIMED_OUT;
      item.error = "timed out after " + dispatcher.options().timeout().toMillis() + "ms"
          + (failure == null || failure instanceof CancellationException ? "" : ": " + describe(failure));
      log.warn("Queue '{}': item {} of type '{}' {}", queue, item.id, item.type, item.error);
    } else if (failure == null) {
      outcome = ItemState.SUCCEEDED;
    } else if (item.cancellation.token().isCancellationRequested()) {
      outcome = ItemState.CANCELLED;
      item.error = failure instanceof CancellationException ? failure.getMessage()
          : "cancelled (" + item.cancellation.token().reason() + "): " + describe(failure);
      log.warn("Queue '{}': item {} of type '{}' {}", queue, item.id, item.type, item.error);
    } else {
      outcome = ItemState.FAILED;
      item.error = describe(failure);
      log.error("Queue '{}': item {} of type '{}' failed: {}", queue, item.id, item.type, item.error, failure);
    }
    item.finishedMillis = System.currentTimeMillis();
    item.state = outcome;
    current = null;
    dispatcher.completed(item);
    return true;
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
