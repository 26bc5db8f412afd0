package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.internal.Failures;
import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.CancellationSource;
import io.berth.service.CancellationToken;
import io.berth.service.RunContext;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.service.TimedService;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link TimedService} on its schedule. Timers and bookkeeping live on the verticle's event-loop context;
 * runs go to a worker executor of the service's own (or a virtual thread). Without overlap the next run is planned
 * only when the previous one ends, from the tick it was due at, so missed ticks coalesce into one run on the grid.
 */
final class TimedRunner implements ServiceRunner {

  private static final Logger log = LoggerFactory.getLogger(TimedRunner.class);

  private final TimedService work;
  private final TimedOptions options;
  private final ServiceContext service;
  private final ServiceRegistry registry;
  private final boolean virtual;
  private final boolean overlap;
  private final Vertx vertx;

  private Context context;
  private WorkerExecutor executor;
  private ScheduledFuture<?> timer;
  private Instant deferredDue;
  private boolean stopping;
  private final Promise<Void> idle = Promise.promise();

  private volatile int running;
  private volatile long runs;
  private volatile long failures;
  private volatile long timeouts;
  private volatile long skipped;
  private volatile Instant lastRunAt;
  private volatile long lastDurationMs = -1;
  private volatile String lastError;
  private volatile String lastOutcome;
  private volatile Instant nextRunAt;

  TimedRunner(TimedService work, TimedOptions options, ServiceContext service, ServiceRegistry registry,
              boolean virtual) {
    this.work = work;
    this.options = options;
    this.service = service;
    this.registry = registry;
    this.virtual = virtual;
    this.vertx = service.vertx();
    this.overlap = options.maxConcurrentRuns() > 1 && options.schedule().kind() != Schedule.Kind.FIXED_DELAY;
  }

  @Override
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    if (!virtual) {
      executor = vertx.createSharedWorkerExecutor("berth-timed-" + service.name(), options.maxConcurrentRuns(),
          365, TimeUnit.DAYS);
    }
    Instant now = Instant.now();
    Instant first = options.schedule().firstRun(now.plus(options.initialDelay()));
    if (options.runOnStart() && first.isAfter(now)) {
      launch(now, false, false);   // an extra run: the schedule's own first run is still armed below
    }
    arm(first);
    return Future.succeededFuture();
  }

  /** Starts a run now unless that would overlap a running one when overlap is not allowed. Call on any thread. */
  Future<Void> trigger() {
    Promise<Void> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        triggerOnContext(result);
      } catch (RuntimeException e) {
        result.tryFail(e);
      }
    });
    return result.future();
  }

  private void triggerOnContext(Promise<Void> result) {
    {
      if (stopping) {
        result.fail(new TriggerException(TriggerException.Reason.NOT_RUNNING,
            "timed service '" + service.name() + "' is stopping"));
      } else if (running >= options.maxConcurrentRuns()) {
        result.fail(new TriggerException(TriggerException.Reason.RUNNING, "timed service '" + service.name()
            + "' is running and allows " + options.maxConcurrentRuns() + " concurrent run(s)"));
      } else {
        if (launch(Instant.now(), true, false)) {
          result.complete();
        } else {
          result.fail(new TriggerException(TriggerException.Reason.NOT_RUNNING,
              "timed service '" + service.name() + "' could not start a run; see the log"));
        }
      }
    }
  }

  /** Plans the run due at the instant {@code next} computes; a schedule that cannot say ends the schedule, loudly. */
  private void armNext(java.util.function.Supplier<Instant> next) {
    Instant due;
    try {
      due = next.get();
    } catch (RuntimeException e) {
      nextRunAt = null;
      lastError = "the schedule has no next run: " + e.getMessage();
      log.error("Timed service '{}': {}; no further runs are scheduled", service.name(), lastError, e);
      return;
    }
    arm(due);
  }

  private void arm(Instant due) {
    if (timer != null) {
      timer.cancel(false);   // one planned run at a time
    }
    nextRunAt = due;
    long jitter = options.jitter().isZero() ? 0 : ThreadLocalRandom.current().nextLong(options.jitter().toNanos() + 1);
    long delay = Duration.between(Instant.now(), due).toNanos() + jitter;
    timer = Ticks.at(delay, () -> {
      try {
        context.runOnContext(v -> fire(due));
      } catch (RejectedExecutionException e) {
        // Vert.x was closed under the service: there is nothing left to run on.
      }
    });
  }

  private void fire(Instant due) {
    timer = null;
    if (stopping) {
      return;
    }
    if (running >= options.maxConcurrentRuns()) {
      // Only a triggered run (or a full set of overlapping runs) can be in the way: coalesce this tick.
      skipped++;
      if (overlap) {
        armNext(() -> options.schedule().nextRun(due, Instant.now()));
      } else {
        deferredDue = due;
        nextRunAt = null;
      }
      return;
    }
    boolean launched = launch(due, false, true);
    if (overlap || !launched) {
      armNext(() -> options.schedule().nextRun(due, Instant.now()));
    } else {
      nextRunAt = null;
    }
  }

  /**
   * Starts a run; false (logged) when it could not be set up, e.g. because the registry is already closed.
   * {@code fromSchedule}: the run came from the schedule's timer, so (without overlap) its end plans the next one.
   */
  private boolean launch(Instant due, boolean triggered, boolean fromSchedule) {
    long number = runs + 1;
    Scope scope;
    try {
      scope = registry.createScope("timed:" + service.name() + "#" + number);
    } catch (RuntimeException e) {
      lastError = "run #" + number + " could not start: " + e.getMessage();
      log.error("Timed service '{}': {}", service.name(), lastError);
      return false;
    }
    runs = number;
    running++;
    Instant startedAt = Instant.now();
    lastRunAt = startedAt;
    CancellationSource cancellation = CancellationSource.linkedTo(service.cancellation());
    long timeoutTimer = options.timeout() == null ? -1
        : vertx.setTimer(Math.max(1, options.timeout().toMillis()), id -> cancellation.cancel("timeout"));
    Run run = new Run(service.name(), number, due, triggered, cancellation.token(), scope, fromSchedule);
    execute(run).onComplete(ar -> {
      if (timeoutTimer >= 0) {
        vertx.cancelTimer(timeoutTimer);
      }
      cancellation.unlink();
      closeScope(scope);
      finished(run, startedAt, ar.cause());
    });
    return true;
  }

  private Future<Void> execute(Run run) {
    if (executor != null) {
      return executor.executeBlocking(() -> {
        runBody(run);
        return null;
      }, false);
    }
    Promise<Void> done = Promise.promise();
    Threads.start("berth-timed-" + service.name() + "-" + run.number(), true, () -> {
      try {
        runBody(run);
        context.runOnContext(v -> done.complete());
      } catch (Throwable e) {
        context.runOnContext(v -> done.fail(e));
      }
    });
    return done.future();
  }

  private void runBody(Run run) throws Exception {
    MDC.put("service", service.name());
    try {
      work.run(run);
    } finally {
      MDC.remove("service");
    }
  }

  private void finished(Run run, Instant startedAt, Throwable failure) {
    running--;
    lastDurationMs = Duration.between(startedAt, Instant.now()).toMillis();
    boolean timedOut = "timeout".equals(run.token().reason());
    if (timedOut) {
      timeouts++;
      failures++;
      lastOutcome = "timed-out";
      lastError = "run #" + run.number() + " timed out after " + options.timeout().toMillis() + "ms";
      log.warn("Timed service '{}' run #{} timed out after {}ms; its token was cancelled", service.name(),
          run.number(), options.timeout().toMillis());
    } else if (failure != null && !(stopping && run.token().isCancellationRequested())) {
      failures++;
      lastOutcome = "failed";
      lastError = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
      log.error("Timed service '{}' run #{} failed: {}", service.name(), run.number(), lastError, failure);
    } else {
      lastOutcome = run.token().isCancellationRequested() ? "cancelled" : "succeeded";
    }
    if (stopping) {
      if (running == 0) {
        idle.tryComplete();
      }
      return;
    }
    if (!overlap) {
      if (run.fromSchedule()) {
        armNext(() -> options.schedule().nextRun(run.scheduledAt(), Instant.now()));
      } else if (deferredDue != null) {
        Instant due = deferredDue;
        deferredDue = null;
        armNext(() -> options.schedule().nextRun(due, Instant.now()));
      }
    }
  }

  private void closeScope(Scope scope) {
    try {
      scope.close();
    } catch (RuntimeException e) {
      log.error("Timed service '{}': closing scope {} failed: {}", service.name(), scope.name(), e.toString());
    }
  }

  @Override
  public Future<Void> stop(Duration budget) {
    stopping = true;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    nextRunAt = null;
    if (running == 0) {
      idle.tryComplete();
    }
    return idle.future()
        .timeout(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(Failures.isTimeout(e)
            ? new StopTimeoutException(running + " run(s) still running " + budget.toMillis()
                + "ms after their tokens were cancelled")
            : e))
        .eventually(() -> executor == null ? Future.succeededFuture() : executor.close());
  }

  @Override
  public JsonObject details() {
    Instant next = nextRunAt;
    Instant last = lastRunAt;
    return new JsonObject()
        .put("schedule", options.schedule().toString())
        .put("runs", runs)
        .put("failures", failures)
        .put("timeouts", timeouts)
        .put("skipped", skipped)
        .put("lastRunAt", last == null ? null : last.toString())
        .put("lastDurationMs", lastDurationMs < 0 ? null : lastDurationMs)
        .put("lastOutcome", lastOutcome)
        .put("lastError", lastError)
        .put("nextRunAt", next == null ? null : next.toString())
        .put("running", running > 0)
        .put("maxConcurrentRuns", options.maxConcurrentRuns());
  }

  private record Run(String service, long number, Instant scheduledAt, boolean triggered, CancellationToken token,
                     Scope scope, boolean fromSchedule) implements RunContext {
  }
}
