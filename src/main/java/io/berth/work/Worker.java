package io.berth.work;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CancellationException;

/**
 * One of a queue's {@code concurrency} worker verticles (worker threading model, so handlers may block). It runs
 * one item at a time: the dispatcher sends it an item only when it holds this worker's single credit, and the
 * credit returns with the item's completion, so the consumer never has more than one message pending and no
 * Vert.x buffer can overflow.
 */
final class Worker extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final Dispatcher dispatcher;
  private final int index;
  private final String address;
  private MessageConsumer<Item> consumer;

  Worker(Dispatcher dispatcher, int index, String address) {
    this.dispatcher = dispatcher;
    this.index = index;
    this.address = address;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().<Item>localConsumer(address, message -> run(message.body()));
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void run(Item item) {
    if (item.cancellation.token().isCancellationRequested()) {
      end(item, null, new CancellationException("cancelled before it started: " + item.cancellation.token().reason()));
      return;
    }
    item.attempts++;
    item.startedNanos = System.nanoTime();
    item.startedMillis = System.currentTimeMillis();
    item.state = ItemState.RUNNING;
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
      return;
    }
    Future<?> f;
    try {
      f = item.async.handle(ctx);
    } catch (Throwable e) {
      end(item, ctx, e);
      return;
    }
    if (f == null) {
      end(item, ctx, null);
      return;
    }
    Context here = context;
    f.onComplete(ar -> here.runOnContext(v -> end(item, ctx, ar.failed() ? ar.cause() : null)));
  }

  /**
   * Called from the dispatcher when an item's timeout fired (its token is already cancelled): an async item ends now
   * and frees its slot; a blocking one ends when its handler returns, as its thread cannot be taken back.
   */
  void timedOut(Item item) {
    if (item.async != null) {
      context.runOnContext(v -> {
        if (item.state == ItemState.RUNNING) {
          end(item, item.context, null);
        }
      });
    }
  }

  /** Records the outcome once (an async item may also be ended by its timeout), then returns the credit. */
  void end(Item item, WorkContext ctx, Throwable failure) {
    if (item.state.isFinal()) {
      return;
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
    dispatcher.completed(item, index);
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
