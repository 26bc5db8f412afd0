package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.internal.Failures;
import io.berth.core.internal.Futures;
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
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a {@link TimedService} on its schedule. Bookkeeping lives on the verticle's event-loop context; the ticks come
 * from a {@link Clock} (the system one: the {@code berth-ticks} thread) and runs go to a worker executor of the
 * service's own (or a virtual thread).
 * <p>
 * {@code every} and {@code cron} plan their next tick as soon as a tick fires, from the instant it was due, so the
 * grid never depends on how long a run, or the hand-offs between threads, took. A tick that comes while the allowed
 * runs are all still running is coalesced (counted in {@code skipped}): the next run is the next tick after the run
 * ends, never a burst. {@code fixedDelay} plans its next run when the previous one ends.
 * <p>
 * On the system clock a tick is handed over {@link #HAND_OFF_LEAD_NANOS} ahead of time, and the run's thread waits for
 * the exact instant before it calls the service: the hops from the clock's thread to the event loop to the run's thread
 * then cost no lateness, and a run starts about as punctually as a {@code ScheduledThreadPoolExecutor} task.
 */
final class TimedRunner implements ServiceRunner {

  private static final Logger log = LoggerFactory.getLogger(TimedRunner.class);
  /** Bounds the count of coalesced cron fire times after a very long pause; every schedule is counted exactly. */
  private static final int MAX_COUNTED_FIRE_TIMES = 100_000;
  /** How early a tick leaves the system clock; covers the two thread hand-offs, even on a busy machine. */
  static final long HAND_OFF_LEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  private final HostEvents events;
  private final TimedService work;
  private final TimedOptions options;
  private final ServiceContext service;
  private final ServiceRegistry registry;
  private final boolean virtual;
  private final Clock clock;
  private final long handOffLead;
  /** True for every and cron: the next tick is planned when a tick fires, not when its run ends. */
  private final boolean planOnFire;
  private final Vertx vertx;

  private Context context;
  private WorkerExecutor executor;
  private Clock.Timer timer;
  private long armed;   // which arm() the pending tick belongs to, so that a stale tick is ignored
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

  /** A runner on the system clock. */
  TimedRunner(TimedService work, TimedOptions options, ServiceContext service, ServiceRegistry registry,
              boolean virtual) {
    this(work, options, service, registry, virtual, Clock.system());
  }

  /** A runner that takes its time (instants, ticks, run timeouts) from {@code clock}. */
  TimedRunner(TimedService work, TimedOptions options, ServiceContext service, ServiceRegistry registry,
              boolean virtual, Clock clock) {
    this(work, options, service, registry, virtual, clock, new HostEvents());
  }

  /** A runner that also publishes how each run ended ({@link TimedRunEvent}) on {@code events}. */
  TimedRunner(TimedService work, TimedOptions options, ServiceContext service, ServiceRegistry registry,
              boolean virtual, Clock clock, HostEvents events) {
    this.events = Objects.requireNonNull(events, "events");
    this.work = work;
    this.options = options;
    this.service = service;
    this.registry = registry;
    this.virtual = virtual;
    this.clock = Objects.requireNonNull(clock, "clock");
    // Only the system clock runs ahead of the run's thread; a manual clock hands each tick over at its instant.
    this.handOffLead = clock instanceof Ticks ? HAND_OFF_LEAD_NANOS : 0;
    this.vertx = service.vertx();
    this.planOnFire = options.schedule().kind() != Schedule.Kind.FIXED_DELAY;
  }

  @Override
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    if (!virtual) {
      executor = vertx.createSharedWorkerExecutor("berth-timed-" + service.name(), options.maxConcurrentRuns(),
          365, TimeUnit.DAYS);
    }
    Instant now = clock.now();
    Instant first = options.schedule().firstRun(now.plus(options.initialDelay()));
    if (options.runOnStart() && first.isAfter(now)) {
      launch(now, now, false, false);   // an extra run: the schedule's own first run is still armed below
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

  /** Pauses or resumes the schedule; to be built with the run ledger (issue 11): refused until then. */
  Future<Void> pause(boolean paused) {
    return Future.failedFuture(new UnsupportedOperationException("pausing a timed service is not built yet"));
  }

  private void triggerOnContext(Promise<Void> result) {
    Instant now = clock.now();
    if (stopping) {
      result.fail(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + service.name() + "' is stopping"));
    } else if (running >= options.maxConcurrentRuns()) {
      result.fail(new TriggerException(TriggerException.Reason.RUNNING, "timed service '" + service.name()
          + "' is running and allows " + options.maxConcurrentRuns() + " concurrent run(s)"));
    } else if (launch(now, now, true, false)) {
      result.complete();
    } else {
      result.fail(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + service.name() + "' could not start a run; see the log"));
    }
  }

  /**
   * Plans the tick after the one due at {@code due}, as of {@code now}; the schedule's fire times in between are
   * coalesced and counted. A schedule that cannot say ends the schedule, loudly.
   */
  private void armNext(Instant due, Instant now) {
    Instant next;
    try {
      next = options.schedule().nextRun(due, now);
    } catch (RuntimeException e) {
      nextRunAt = null;
      lastError = "the schedule has no next run: " + e.getMessage();
      log.error("Timed service '{}': {}; no further runs are scheduled", service.name(), lastError, e);
      return;
    }
    if (options.schedule().kind() != Schedule.Kind.FIXED_DELAY) {
      skipped += fireTimesBetween(due, next);
    }
    arm(next);
  }

  /** How many fire times of an every or cron schedule lie strictly between {@code due} and {@code next}. */
  private long fireTimesBetween(Instant due, Instant next) {
    Schedule schedule = options.schedule();
    Instant second = schedule.nextRun(due, due);
    if (!second.isBefore(next)) {
      return 0;
    }
    if (schedule.kind() == Schedule.Kind.EVERY) {
      // The grid points due + k * period for k >= 1 that come before next (itself a grid point).
      return Duration.between(due, next).dividedBy(Duration.between(due, second)) - 1;
    }
    long count = 0;
    for (Instant t = second; t.isBefore(next) && count < MAX_COUNTED_FIRE_TIMES; t = schedule.nextRun(t, t)) {
      count++;
    }
    return count;
  }

  private void arm(Instant due) {
    if (timer != null) {
      timer.cancel();   // one planned run at a time
    }
    long generation = ++armed;
    nextRunAt = due;
    long jitter = options.jitter().isZero() ? 0 : ThreadLocalRandom.current().nextLong(options.jitter().toNanos() + 1);
    plan(generation, due, due.plusNanos(jitter), handOffLead);
  }

  /** Asks the clock for the tick due at {@code due} (starting at {@code startAt}, with jitter), {@code lead} early. */
  private void plan(long generation, Instant due, Instant startAt, long lead) {
    long delay = saturatedNanos(Duration.between(clock.now(), startAt)) - lead;
    timer = clock.schedule(delay, () -> {
      // Read on the clock's thread, which is punctual: the hand-off to the event loop must not shift the grid.
      Instant firedAt = clock.now();
      try {
        context.runOnContext(v -> fire(generation, due, startAt, lead > 0, firedAt));
      } catch (RejectedExecutionException e) {
        // Vert.x was closed under the service: there is nothing left to run on.
      }
    });
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
  }

  /**
   * A tick due at {@code due} came, read on the clock at {@code firedAt}; runs on the context. {@code early}: it was
   * handed over ahead of {@code startAt}, when the run starts.
   */
  private void fire(long generation, Instant due, Instant startAt, boolean early, Instant firedAt) {
    if (generation != armed || stopping) {
      return;   // cancelled after it had already left the clock
    }
    timer = null;
    if (running >= options.maxConcurrentRuns() && early) {
      plan(generation, due, startAt, 0);   // the run in the way may still end in time: decide at the tick itself
      return;
    }
    if (running >= options.maxConcurrentRuns()) {
      // The runs allowed are all still going (or a triggered run is in the way): coalesce this tick.
      skipped++;
      if (planOnFire) {
        armNext(due, firedAt);
      } else {
        deferredDue = due;   // fixedDelay: the delay counts from the end of the run in the way
        nextRunAt = null;
      }
      return;
    }
    boolean launched = launch(due, startAt, false, true);
    if (planOnFire || !launched) {
      armNext(due, firedAt);
    } else {
      nextRunAt = null;   // fixedDelay: planned when this run ends
    }
  }

  /**
   * Starts a run; false (logged) when it could not be set up, e.g. because the registry is already closed.
   * {@code startAt}: when its thread calls the service (it may be handed over a little earlier). {@code fromSchedule}:
   * the run came from the schedule's timer, so with fixedDelay its end plans the next one.
   */
  private boolean launch(Instant due, Instant startAt, boolean triggered, boolean fromSchedule) {
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
    Instant now = clock.now();
    Instant startedAt = startAt.isAfter(now) ? startAt : now;
    lastRunAt = startedAt;
    CancellationSource cancellation = CancellationSource.linkedTo(service.cancellation());
    Clock.Timer timeout = options.timeout() == null ? null
        : clock.schedule(options.timeout().toNanos() + Duration.between(now, startedAt).toNanos(), () -> {
          try {
            context.runOnContext(v -> cancellation.cancel("timeout"));
          } catch (RejectedExecutionException e) {
            // Vert.x is closed: the run's token was already cancelled by the shutdown.
          }
        });
    Run run = new Run(service.name(), number, due, triggered, cancellation.token(), scope, fromSchedule, startedAt);
    execute(run).onComplete(ar -> {
      if (timeout != null) {
        timeout.cancel();
      }
      cancellation.unlink();
      finished(run, startedAt, ar.cause());
    });
    return true;
  }

  private Future<Void> execute(Run run) {
    if (executor != null) {
      return executor.<Void>executeBlocking(() -> {
        runBody(run);
        return null;
      }, false).onFailure(e -> closeUnused(run));
    }
    Promise<Void> done = Promise.promise();
    try {
      Threads.start("berth-timed-" + service.name() + "-" + run.number(), true, () -> {
        try {
          runBody(run);
          done.complete();
        } catch (Throwable e) {
          done.fail(e);
        }
      });
    } catch (RuntimeException | Error e) {
      closeUnused(run);
      done.fail(e);
    }
    // Back on the service's context; a run that outlived Vert.x is dropped there quietly.
    return Futures.backOn(context, done.future());
  }

  /**
   * Runs the work, then closes the run's scope on the same thread: a scoped service's close may block, which must
   * never happen on the event loop.
   */
  private void runBody(Run run) throws Exception {
    MDC.put("service", service.name());
    try {
      awaitStart(run.startAt());
      work.run(run);
    } finally {
      closeScope(run.scope());
      MDC.remove("service");
    }
  }

  /** Parks the run's thread until {@code startAt}, when a tick was handed over ahead of time. */
  private void awaitStart(Instant startAt) {
    for (long left = Duration.between(clock.now(), startAt).toNanos(); left > 0;
         left = Duration.between(clock.now(), startAt).toNanos()) {
      LockSupport.parkNanos(left);
    }
  }

  /** Closes the scope of a run whose body never ran (its executor refused it): nothing was resolved, nothing blocks. */
  private void closeUnused(Run run) {
    closeScope(run.scope());   // idempotent, so a body that did run and then failed is no problem
  }

  /** Records how a run ended; the one place a run's outcome is known (on the context). */
  private void finished(Run run, Instant startedAt, Throwable failure) {
    running--;
    lastDurationMs = Math.max(0, Duration.between(startedAt, clock.now()).toMillis());
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
    String outcome = lastOutcome;
    String error = "succeeded".equals(outcome) || "cancelled".equals(outcome) ? null : lastError;
    long durationMs = lastDurationMs;
    events.publish(TimedRunEvent.TOPIC, () -> new TimedRunEvent(service.name(), run.number(), outcome,
        run.scheduledAt(), durationMs, error));
    if (stopping) {
      if (running == 0) {
        idle.tryComplete();
      }
      return;
    }
    if (!planOnFire) {
      if (run.fromSchedule()) {
        armNext(run.scheduledAt(), clock.now());
      } else if (deferredDue != null) {
        Instant due = deferredDue;
        deferredDue = null;
        armNext(due, clock.now());
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
      timer.cancel();
      timer = null;
    }
    nextRunAt = null;
    if (running == 0) {
      idle.tryComplete();
    }
    return idle.future()
        .timeout(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(Failures.isTimeout(e)
            ? new StopTimeoutException(running + " run(s) still running after their tokens were cancelled")
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
                     Scope scope, boolean fromSchedule, Instant startAt) implements RunContext {
  }
}
