package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.internal.Failures;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationSource;
import io.berth.service.ExceptionPolicy;
import io.berth.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link BackgroundService}'s {@code execute} on a thread of its own and applies the exception policy when
 * it throws. All state changes happen on the verticle's event-loop context; only {@code execute} runs elsewhere.
 */
final class BackgroundRunner implements ServiceRunner {

  private static final Logger log = LoggerFactory.getLogger(BackgroundRunner.class);

  private final BackgroundService service;
  private final ServiceContext serviceContext;
  private final ManagedService managed;
  private final HostControl host;
  private final ExceptionPolicy policy;
  private final RestartPolicy restart;
  private final boolean virtual;
  private final CancellationSource cancellation;
  private final Promise<Void> finished = Promise.promise();
  private final Deque<Instant> crashes = new ArrayDeque<>();
  private Context context;
  private volatile Thread thread;
  private long restartTimer = -1;
  private int consecutiveCrashes;
  private long launchedAtNanos;
  private boolean stopping;

  BackgroundRunner(BackgroundService service, ServiceContext serviceContext, ManagedService managed, HostControl host,
                   ExceptionPolicy policy, RestartPolicy restart, boolean virtual) {
    this.service = service;
    this.serviceContext = serviceContext;
    this.managed = managed;
    this.host = host;
    this.policy = policy;
    this.restart = restart;
    this.virtual = virtual;
    this.cancellation = CancellationSource.linkedTo(serviceContext.cancellation());
  }

  @Override
  public Future<Void> start() {
    context = serviceContext.vertx().getOrCreateContext();
    launch();
    return Future.succeededFuture();
  }

  private void launch() {
    launchedAtNanos = System.nanoTime();
    String name = managed.name();
    thread = Threads.start("berth-" + name, virtual, () -> {
      MDC.put("service", name);
      Throwable failure = null;
      try {
        service.init(serviceContext);
        service.execute(cancellation.token());
      } catch (Throwable e) {
        failure = e;
      } finally {
        MDC.remove("service");
      }
      Throwable f = failure;
      try {
        context.runOnContext(v -> executeEnded(f));
      } catch (RejectedExecutionException e) {
        // Vert.x closed while this loop still ran (it was cut short and named in the stop log): end quietly.
        log.debug("Service '{}': execute returned after the host had stopped", name);
      }
    });
  }

  private void executeEnded(Throwable failure) {
    thread = null;
    boolean cancelled = cancellation.token().isCancellationRequested();
    if (stopping || cancelled) {
      if (failure != null && !(failure instanceof CancellationException) && !(failure instanceof InterruptedException)) {
        // It failed, whatever the token said: recorded as failed (not stopped), and the stop fails with it.
        String message = Failures.describe(failure);
        log.error("Service '{}' threw after its token was cancelled: {}", managed.name(), message, failure);
        host.serviceState(managed, ServiceState.FAILED, "threw after its token was cancelled: " + message);
        finished.tryFail(failure);
        return;
      }
      finished.tryComplete();
      return;
    }
    if (failure == null) {
      log.info("Service '{}' finished: execute returned", managed.name());
      host.serviceState(managed, ServiceState.STOPPED, null);
      finished.tryComplete();
      return;
    }
    onCrash(failure);
  }

  private void onCrash(Throwable failure) {
    String name = managed.name();
    String message = Failures.describe(failure);
    if (policy == ExceptionPolicy.RESTART && withinRestartBudget()) {
      if (System.nanoTime() - launchedAtNanos > restart.maxBackoff().toNanos()) {
        consecutiveCrashes = 0;   // it ran well for a while: this crash starts the backoff again from the bottom
      }
      Duration wait = restart.backoff(++consecutiveCrashes);
      log.error("Service '{}' crashed (restart {} in {}ms): {}", name, consecutiveCrashes, wait.toMillis(), message, failure);
      host.serviceState(managed, ServiceState.FAILED, message);
      restartTimer = serviceContext.vertx().setTimer(Math.max(1, wait.toMillis()), id -> {
        restartTimer = -1;
        if (!stopping) {
          host.serviceState(managed, ServiceState.RUNNING, null);
          launch();
        }
      });
      return;
    }
    host.serviceState(managed, ServiceState.FAILED, message);
    finished.tryComplete();
    if (policy == ExceptionPolicy.IGNORE) {
      log.error("Service '{}' failed; policy Ignore keeps the host running: {}", name, message, failure);
    } else if (policy == ExceptionPolicy.RESTART) {
      log.error("Service '{}' crashed more than {} times within {}; stopping the host: {}", name,
          restart.maxCrashes(), restart.window(), message, failure);
      host.failAndStop(name, failure);
    } else {
      log.error("Service '{}' failed; policy StopHost stops the host: {}", name, message, failure);
      host.failAndStop(name, failure);
    }
  }

  private boolean withinRestartBudget() {
    Instant now = Instant.now();
    crashes.addLast(now);
    while (!crashes.isEmpty() && crashes.peekFirst().isBefore(now.minus(restart.window()))) {
      crashes.removeFirst();
    }
    return crashes.size() <= restart.maxCrashes();
  }

  @Override
  public Future<Void> stop(Duration budget) {
    stopping = true;
    if (restartTimer >= 0) {
      serviceContext.vertx().cancelTimer(restartTimer);
      restartTimer = -1;
    }
    RuntimeException callbackFailure = null;
    try {
      cancellation.cancel("shutdown");
    } catch (RuntimeException e) {
      callbackFailure = e;   // every callback ran; the loop is still waited for, then the stop fails with this
    }
    if (thread == null) {
      finished.tryComplete();
    }
    RuntimeException thrown = callbackFailure;
    return finished.future()
        .timeout(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> {
          if (!Failures.isTimeout(e)) {
            return Future.failedFuture(e);
          }
          Thread t = thread;
          if (t != null) {
            t.interrupt();
          }
          return Future.failedFuture(new StopTimeoutException(
              "execute did not return after its token was cancelled (its thread was interrupted)"));
        })
        .compose(v -> thrown == null ? Future.succeededFuture() : Future.failedFuture(thrown));
  }
}
