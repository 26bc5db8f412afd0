package io.berth.core.internal;

import io.vertx.core.Vertx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;

/** Context hand-offs: the one place that runs work on a context, or brings an outcome back to one. */
public final class Futures {

  private Futures() {
  }

  /**
   * Runs {@code body} on {@code context} and completes with its future; a body that throws fails the result, and a
   * context that can no longer run anything (Vert.x closed) fails it too.
   */
  public static <T> Future<T> on(Context context, Callable<Future<T>> body) {
    Promise<T> promise = Promise.promise();
    try {
      context.runOnContext(v -> {
        try {
          Future<T> f = body.call();
          if (f == null) {
            promise.complete();
          } else {
            f.onComplete(promise);
          }
        } catch (Throwable e) {
          promise.fail(e);
        }
      });
    } catch (RejectedExecutionException e) {
      promise.fail(e);
    }
    return promise.future();
  }

  /**
   * The outcome of {@code f}, delivered on {@code context}: at once when {@code context} is null or the outcome
   * arrives on it, otherwise by a task on it.
   */
  public static <T> Future<T> backOn(Context context, Future<T> f) {
    if (context == null) {
      return f;
    }
    Promise<T> promise = Promise.promise();
    f.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        promise.handle(ar);
        return;
      }
      try {
        context.runOnContext(v -> promise.handle(ar));
      } catch (RejectedExecutionException e) {
        promise.handle(ar);
      }
    });
    return promise.future();
  }
}
