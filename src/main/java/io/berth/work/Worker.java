package io.berth.work;

import io.berth.core.internal.Failures;
import io.berth.service.CancellationSource;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One of a queue's {@code concurrency} worker verticles (worker threading model on the queue's own pool, or virtual
 * threads, so handlers may block and scopes close off the event loops). It claims items from the queue's store and
 * runs them one at a time, and it alone writes an item's transitions ({@code running}, then its outcome). When there
 * is nothing to claim, or the queue is stopping, it goes idle; admission wakes it with one task on its own context,
 * and only an idle worker is woken ({@link #idle} is the worker's single credit). Items never travel to a worker as
 * messages, so there is no consumer buffer that could overflow or drop anything.
 */
final class Worker extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  /** Items run per context task before the worker yields its context (to its timers and wake-ups). */
  private static final int BATCH = 64;

  private final AtomicBoolean idle = new AtomicBoolean(true);
  private final Dispatcher queue;
  /** This worker's own recorder of per-item meters (null: none): only this worker's context calls it. */
  private final WorkMeters.Recorder meter;
  private volatile Run current;
  /** This worker's thread is in {@link #drain()} (claiming or running items), not idle nor waiting to be run. */
  private volatile boolean draining;

  Worker(Dispatcher queue, WorkMeters.Recorder meter) {
    this.queue = queue;
    this.meter = meter;
  }

  @Override
  public Future<?> start() {
    return Future.succeededFuture();
  }

  /** Takes this worker's credit if it is idle and starts it draining on its context; false when it is busy. */
  boolean wake() {
    if (idle.compareAndSet(true, false)) {
      queue.workerBusy();
      context.runOnContext(v -> drain());
      return true;
    }
    return false;
  }

  /**
   * Whether this worker is awake and will look at the queue again within about {@code withinNanos}: between items,
   * or in an item that began less than that before {@code now}. Read from any thread; possibly stale, so only a hint.
   */
  boolean takesSoon(long now, long withinNanos) {
    if (!draining) {
      return false;   // idle, or woken but its thread not running yet (on a starved machine, for milliseconds)
    }
    Run run = current;
    if (run == null) {
      return true;
    }
    long started = run.item.startedNanos();
    return started == 0 || now - started < withinNanos;
  }

  /** Cancels the token of the running item, if any; its id, or null. */
  String cancelRunning(String reason) {
    Run run = current;
    if (run == null) {
      return null;
    }
    run.cancellation.cancel(reason);
    return run.item.id;
  }

  /** Cancels the token of item {@code id} if this worker runs it; true when it does. */
  boolean cancel(String id, String reason) {
    Run run = current;
    if (run == null || !run.item.id.equals(id)) {
      return false;
    }
    run.cancellation.cancel(reason);
    return true;
  }

  /** Runs items until none is due (then goes idle) or an async item is pending (it drains again when done). */
  private void drain() {
    draining = true;
    for (int i = 0; i < BATCH; i++) {
      Item item = queue.claim();
      if (item == null) {
        draining = false;
        idle.set(true);
        queue.workerIdle();
        // Re-check after going idle: an item admitted in between would otherwise wait for the next wake-up.
        if (queue.hasDue() && idle.compareAndSet(true, false)) {
          queue.workerBusy();
          draining = true;
          continue;
        }
        return;
      }
      if (!run(item)) {
        draining = false;   // an async item is pending: this worker drains again when it completes
        return;
      }
    }
    draining = false;   // yields its context; it drains again at once, but another item should not count on it
    context.runOnContext(v -> drain());
  }

  /** Runs one item; false when it is async and still pending. */
  private boolean run(Item item) {
    Run run = new Run(item, new CancellationSource());
    current = run;   // before the state: whoever sees the item running finds its run here (cancel)
    int attempt = item.start();
    queue.started(item, meter);
    long timeout = queue.options().timeout().toMillis();
    if (timeout > 0) {
      // Armed on the queue's context: a blocking item holds this worker's context until it returns.
      queue.context().runOnContext(v -> run.arm(timeout));
    }
    WorkContext ctx = new WorkContext(item.id, queue.name(), item.type, item.payload, run.cancellation.token(),
        attempt, queue.registry(), vertx);
    run.context = ctx;
    Handlers.Entry handler = item.handler;
    if (handler.blocking() != null) {
      Throwable failure = null;
      try {
        handler.blocking().handle(ctx);
      } catch (Throwable e) {
        failure = e;
      }
      end(run, failure);
      return true;
    }
    Future<?> f;
    try {
      f = handler.async().handle(ctx);
    } catch (Throwable e) {
      end(run, e);
      return true;
    }
    if (f == null || f.isComplete()) {
      end(run, f == null || f.succeeded() ? null : f.cause());
      return true;
    }
    // Ended on this worker's context, whichever thread completes the future: the scope closes here, never on an
    // event loop, so a scoped service whose close blocks is safe.
    f.onComplete(ar -> context.runOnContext(v -> {
      if (end(run, ar.failed() ? ar.cause() : null)) {
        drain();
      }
    }));
    return false;
  }

  /**
   * Records the outcome once, on this worker's context (an async item may also be ended by its timeout): closes the
   * item's scope, then writes its final state; true when this call ended it.
   */
  private boolean end(Run run, Throwable failure) {
    Item item = run.item;
    if (item.state().isFinal() || run.ended) {
      return false;
    }
    run.disarm();
    run.context.end();
    String name = queue.name();
    ItemState outcome;
    String error = null;
    if (run.timedOut) {
      outcome = ItemState.TIMED_OUT;
      error = "timed out after " + queue.options().timeout().toMillis() + "ms"
          + (failure == null || failure instanceof CancellationException ? "" : ": " + Failures.describe(failure));
      log.warn("Queue '{}': item {} of type '{}' {}", name, item.id, item.type, error);
    } else if (failure == null) {
      outcome = ItemState.SUCCEEDED;
    } else if (run.cancellation.token().isCancellationRequested() && queue.keepsInterrupted()
        && Dispatcher.SHUTDOWN.equals(run.cancellation.token().reason())) {
      // A durable store runs it again after the restart; the cut-short attempt does not count.
      outcome = ItemState.QUEUED;
    } else if (run.cancellation.token().isCancellationRequested()) {
      outcome = ItemState.CANCELLED;
      error = failure instanceof CancellationException ? failure.getMessage()
          : "cancelled (" + run.cancellation.token().reason() + "): " + Failures.describe(failure);
      log.warn("Queue '{}': item {} of type '{}' {}", name, item.id, item.type, error);
    } else {
      error = Failures.describe(failure);
      RetryOptions retry = queue.options().retry(item.type);
      int attempt = item.attempts();
      RetryLaterException later = cause(failure, RetryLaterException.class);
      if (cause(failure, NonRetryableException.class) != null) {
        outcome = ItemState.DEAD;
        log.error("Queue '{}': item {} of type '{}' failed (attempt {}, not retryable), dead: {}", name, item.id,
            item.type, attempt, error);
      } else if (attempt >= retry.maxAttempts()) {
        outcome = ItemState.DEAD;
        log.error("Queue '{}': item {} of type '{}' failed (attempt {} of {}), dead: {}", name, item.id, item.type,
            attempt, retry.maxAttempts(), error);
      } else {
        outcome = ItemState.RETRYING;
        long at = later != null ? later.at().toEpochMilli()
            : System.currentTimeMillis() + retry.backoff(attempt, ThreadLocalRandom.current().nextDouble()).toMillis();
        item.retry(at, error);
        log.warn("Queue '{}': item {} of type '{}' failed (attempt {} of {}), retrying at {}: {}", name, item.id,
            item.type, attempt, retry.maxAttempts(), Instant.ofEpochMilli(at), error);
      }
      // One line per failure; the stack trace only for whoever asks for it.
      log.debug("Queue '{}': item {} of type '{}' failed", name, item.id, item.type, failure);
    }
    if (outcome == ItemState.QUEUED) {
      item.requeue();
    } else if (outcome != ItemState.RETRYING) {
      item.end(outcome, error);
    }
    current = null;
    queue.finished(item, meter);
    return true;
  }

  /** The first of {@code failure}'s causes (itself included) that is a {@code type}, or null. */
  private static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** One run of an item: its token, its scope and its timeout, owned by this worker. */
  private final class Run {
    final Item item;
    final CancellationSource cancellation;
    WorkContext context;
    volatile boolean timedOut;
    /** -1 until armed; {@link #disarm()} and {@link #arm} each cancel it if the other ran first. */
    private volatile long timer = -1;
    private volatile boolean ended;

    Run(Item item, CancellationSource cancellation) {
      this.item = item;
      this.cancellation = cancellation;
    }

    /** On the queue's context: the item's timeout. */
    void arm(long timeoutMs) {
      if (ended) {
        return;
      }
      long id = vertx.setTimer(timeoutMs, t -> timeOut());
      timer = id;
      if (ended) {   // disarm() may have read the timer before it was set
        vertx.cancelTimer(id);
      }
    }

    void disarm() {
      ended = true;
      long id = timer;
      if (id >= 0) {
        vertx.cancelTimer(id);
      }
    }

    /**
     * On the queue's context, when the timeout fired: cancels the token; an async item ends now and frees its
     * slot, a blocking one ends when its handler returns, as its thread cannot be taken back.
     */
    private void timeOut() {
      if (ended) {
        return;
      }
      timedOut = true;
      cancellation.cancel("timeout");
      if (item.handler.async() != null) {
        Worker.this.context.runOnContext(v -> {
          if (end(this, null)) {
            drain();
          }
        });
      }
    }
  }
}
