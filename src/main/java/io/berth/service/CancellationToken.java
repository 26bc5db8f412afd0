package io.berth.service;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Signals that a unit of work should stop: the host is shutting down, a run timed out, or an item was cancelled.
 * A token is read-only; whoever owns the work cancels it through its {@link CancellationSource}.
 * Callbacks and waits are safe from any thread.
 */
public final class CancellationToken {

  /** A token that is never cancelled. */
  public static final CancellationToken NONE = new CancellationToken();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition cancelled = lock.newCondition();
  private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
  private final Promise<Void> promise = Promise.promise();
  private volatile String reason;

  CancellationToken() {
  }

  /** True once cancellation was requested. */
  public boolean isCancellationRequested() {
    return reason != null;
  }

  /** Why the token was cancelled ({@code "shutdown"}, {@code "timeout"}, ...), or null while it is not. */
  public String reason() {
    return reason;
  }

  /** Throws {@link CancellationException} when cancellation was requested. */
  public void throwIfCancellationRequested() {
    String r = reason;
    if (r != null) {
      throw new CancellationException("cancelled: " + r);
    }
  }

  /**
   * Runs {@code callback} once when the token is cancelled (at once, on the calling thread, if it already is).
   * Close the returned registration to remove the callback when the work ends first.
   */
  public Registration onCancel(Runnable callback) {
    callbacks.add(callback);
    if (isCancellationRequested() && callbacks.remove(callback)) {
      callback.run();
    }
    return () -> callbacks.remove(callback);
  }

  /**
   * Blocks the calling (worker or virtual) thread for {@code duration}, returning early when cancelled.
   * Never call it on an event loop.
   *
   * @return true when the full duration elapsed, false when the token was cancelled (or the thread interrupted)
   */
  public boolean sleep(Duration duration) {
    long remaining = duration.toNanos();
    lock.lock();
    try {
      while (reason == null && remaining > 0) {
        remaining = cancelled.awaitNanos(remaining);
      }
      return reason == null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** A future that completes when the token is cancelled; it never fails. */
  public Future<Void> future() {
    return promise.future();
  }

  boolean cancel(String why) {
    lock.lock();
    try {
      if (reason != null) {
        return false;
      }
      reason = why == null ? "cancelled" : why;
      cancelled.signalAll();
    } finally {
      lock.unlock();
    }
    RuntimeException first = null;
    for (Runnable callback : callbacks) {
      if (callbacks.remove(callback)) {
        try {
          callback.run();
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          }
        }
      }
    }
    promise.tryComplete();
    if (first != null) {
      throw first;
    }
    return true;
  }

  /** A callback registration; closing it removes the callback. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /** Waits for cancellation, for code that needs a plain blocking wait with a bound. */
  public boolean awaitCancellation(long timeout, TimeUnit unit) {
    return !sleep(Duration.ofNanos(unit.toNanos(timeout)));
  }
}
