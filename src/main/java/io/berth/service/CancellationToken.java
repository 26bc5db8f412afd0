package io.berth.service;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

/**
 * Signals that a unit of work should stop: the host is shutting down, a run timed out, or an item was cancelled.
 * A token is read-only; whoever owns the work cancels it through its {@link CancellationSource}.
 * Callbacks and waits are safe from any thread. A token costs one small object until somebody waits on it or
 * registers a callback, as every work item gets one.
 */
public final class CancellationToken {

  /** A token that is never cancelled. */
  public static final CancellationToken NONE = new CancellationToken();

  private volatile String reason;
  /** Guarded by {@code this}; created on the first registration. */
  private List<Runnable> callbacks;
  /** Guarded by {@code this}; created by the first {@link #future()}. */
  private Promise<Void> promise;

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
    synchronized (this) {
      if (reason == null) {
        if (callbacks == null) {
          callbacks = new ArrayList<>(2);
        }
        callbacks.add(callback);
        return () -> {
          synchronized (this) {
            if (callbacks != null) {
              callbacks.remove(callback);
            }
          }
        };
      }
    }
    callback.run();
    return () -> { };
  }

  /**
   * Blocks the calling (worker or virtual) thread for {@code duration}, returning early when cancelled.
   * Never call it on an event loop.
   *
   * @return true when the full duration elapsed, false when the token was cancelled (or the thread interrupted)
   */
  public boolean sleep(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    synchronized (this) {
      try {
        for (long left = duration.toNanos(); reason == null && left > 0; left = deadline - System.nanoTime()) {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      return reason == null;
    }
  }

  /** A future that completes when the token is cancelled; it never fails. */
  public Future<Void> future() {
    synchronized (this) {
      if (promise == null) {
        promise = Promise.promise();
        if (reason != null) {
          promise.complete();
        }
      }
      return promise.future();
    }
  }

  boolean cancel(String why) {
    List<Runnable> toRun;
    Promise<Void> p;
    synchronized (this) {
      if (reason != null) {
        return false;
      }
      reason = why == null ? "cancelled" : why;
      notifyAll();
      toRun = callbacks;
      callbacks = null;
      p = promise;
    }
    RuntimeException first = null;
    if (toRun != null) {
      for (Runnable callback : toRun) {
        try {
          callback.run();
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          }
        }
      }
    }
    if (p != null) {
      p.tryComplete();
    }
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
}
