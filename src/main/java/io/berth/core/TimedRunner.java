package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.internal.Failures;
import io.berth.core.internal.Futures;
import io.berth.core.internal.Instants;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

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
 * <p>
 * With a {@link RunLedger} (a host feature), the runner reads its entry at start and honours it: a paused service stays
 * paused, a planned run still in the future runs at its instant, and a planned run missed while the host was down is
 * made up once or skipped ({@link TimedOptions.Misfire}), never in a burst. It writes the entry when a run starts, when
 * it plans the next run and when it is paused or resumed; at most one write is in flight and only the latest state
 * waits behind it, so writes never hold up the event loop or a run. Without a ledger it starts afresh every time.
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
  /** True once the first run is planned (the ledger read): a pause before that would be overwritten by the entry. */
  private boolean begun;
  private final Promise<Void> idle = Promise.promise();
  /** The ledger the host offers, or null: then nothing is read or written. */
  private final RunLedger ledger;
  /** The latest state not yet handed to the ledger, and who waits for it to be written; null when none. */
  private RunLedger.Entry unwritten;
  private List<Promise<Void>> unwrittenWaiters = new ArrayList<>();
  private boolean writing;
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  /** A failed write is logged once, until a write succeeds again. */
  private boolean ledgerFailing;

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
  private volatile boolean paused;
  /** Whether this node may start a scheduled run now (a singleton: while it counts the lease its own). */
  private volatile BooleanSupplier mayRun = () -> true;

  /**
   * Starts scheduled runs only while {@code check} holds: a singleton's runner is given its lease check (its own
   * monotonic clock, no I/O), so that a process resumed after a pause (SIGSTOP, a long GC), with ticks overdue, does not
   * start a run before the lease's loss reached the host while another node holds it. A tick refused this way is
   * skipped (counted, logged, published), not run: neither the run count nor the last run moves.
   */
  void runOnlyWhile(BooleanSupplier check) {
    this.mayRun = Objects.requireNonNull(check, "check");
  }

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
    this.ledger = service.feature(RunLedger.class).orElse(null);
  }

  @Override
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    if (!virtual) {
      executor = vertx.createSharedWorkerExecutor("berth-timed-" + service.name(), options.maxConcurrentRuns(),
          365, TimeUnit.DAYS);
    }
    if (ledger == null) {
      begin(null);
      return Future.succeededFuture();
    }
    return Futures.backOn(context, readLedger()).map(entry -> {
      begin(entry.orElse(null));
      return null;
    });
  }

  /** The ledger's entry; a ledger that fails is logged, and the service starts afresh rather than not at all. */
  private Future<Optional<RunLedger.Entry>> readLedger() {
    Future<Optional<RunLedger.Entry>> read;
    try {
      read = ledger.read(service.name());
    } catch (RuntimeException e) {
      read = Future.failedFuture(e);
    }
    return read.recover(e -> {
      log.warn("Timed service '{}': its run ledger could not be read ({}); it starts afresh, as if it had never run",
          service.name(), Failures.describe(e));
      return Future.succeededFuture(Optional.empty());
    });
  }

  /** Plans the first run, from the ledger's {@code entry} when there is one; on the context. */
  private void begin(RunLedger.Entry entry) {
    begun = true;
    Instant now = clock.now();
    Instant fresh = options.schedule().firstRun(now.plus(options.initialDelay()));
    Instant planned = null;
    if (entry != null) {
      lastRunAt = entry.lastRunAt();
      if (entry.paused()) {
        paused = true;
        log.info("Timed service '{}' is paused (as it was when the host stopped); resume it to run it on its"
            + " schedule", service.name());
        return;
      }
      planned = entry.nextRunAt();
      Instant latest = latestPlan(now, fresh);
      if (planned != null && planned.isAfter(latest)) {
        log.info("Timed service '{}': its planned run at {} is later than its schedule '{}' allows now (was the"
            + " schedule changed?); it is planned afresh", service.name(), Instants.iso(planned), options.schedule());
        planned = null;
      }
    }
    if (planned != null && planned.isBefore(now)) {
      misfire(planned, now);
      return;
    }
    Instant first = planned != null ? planned : fresh;   // a plan still in the future keeps its instant
    if (first.isAfter(now)) {
      runOnStart(now);   // an extra run: the schedule's own first run is still armed below
    }
    arm(first);
  }

  /**
   * The latest first run the schedule could have planned as of {@code now}; a ledger's plan beyond it comes from
   * another schedule, and would make the service wait for nothing.
   */
  private Instant latestPlan(Instant now, Instant fresh) {
    try {
      Instant next = options.schedule().nextRun(now, now);
      return next.isAfter(fresh) ? next : fresh;
    } catch (RuntimeException e) {
      return fresh;
    }
  }

  /**
   * The ledger's planned run {@code missed} passed while the host was down: one run now ({@code runOnce}) or none
   * ({@code skip}), then the schedule goes on; every other fire time missed is coalesced and counted in
   * {@code skipped}. For {@code every} the grid stays where it was.
   */
  private void misfire(Instant missed, Instant now) {
    boolean runOnce = options.misfire() == TimedOptions.Misfire.RUN_ONCE;
    if (!planOnFire) {
      // fixedDelay: a run made up now plans the next one when it ends; skipping waits one delay from now.
      log.info("Timed service '{}' missed its run planned at {} while the host was down; {}", service.name(),
          Instants.iso(missed), runOnce ? "it runs once now (misfire: runOnce)" : "skipped (misfire: skip)");
      if (runOnce && launch(missed, now, false, true)) {
        return;
      }
      if (!runOnce) {
        skipped++;
        runOnStart(now);
      }
      armNext(missed, now);
      return;
    }
    Instant next;
    try {
      next = options.schedule().nextRun(missed, now);
      if (runOnce && !next.isAfter(now)) {
        next = options.schedule().nextRun(next, next);   // the run made up now stands for a fire time at now too
      }
    } catch (RuntimeException e) {
      nextRunAt = null;
      lastError = "the schedule has no next run: " + e.getMessage();
      log.error("Timed service '{}': {}; no further runs are scheduled", service.name(), lastError, e);
      return;
    }
    long between = fireTimesBetween(missed, next);
    log.info("Timed service '{}' missed {} planned run(s) from {} while the host was down; {}; next run at {}",
        service.name(), between + 1, Instants.iso(missed),
        runOnce ? "it runs once now (misfire: runOnce)" : "none is made up (misfire: skip)", Instants.iso(next));
    skipped += runOnce ? between : between + 1;
    if (runOnce) {
      launch(missed, now, false, true);
    } else if (next.isAfter(now)) {
      runOnStart(now);
    }
    arm(next);
  }

  /** The extra run of {@code runOnStart}, when the schedule's own first run is later than now. */
  private void runOnStart(Instant now) {
    if (options.runOnStart()) {
      launch(now, now, false, false);
    }
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

  /**
   * Pauses ({@code true}) or resumes the schedule; call on any thread. A paused service starts no scheduled run (a
   * trigger still runs it, and a run already running finishes); resuming plans the next run from now as a start does
   * ({@code every} and {@code fixedDelay}: at once; {@code cron}: its next fire time), without making up what the
   * pause skipped. Completes once the state holds and, with a ledger, its write was attempted (a failed write is
   * logged; the state still holds until the host stops). Idempotent. Fails with {@link TriggerException} when the
   * service is not running.
   */
  Future<Void> pause(boolean pause) {
    if (context == null) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + service.name() + "' has not started"));
    }
    return Futures.on(context, () -> pauseOnContext(pause));
  }

  private Future<Void> pauseOnContext(boolean pause) {
    if (stopping || !begun) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + service.name() + "' is " + (stopping ? "stopping" : "starting")));
    }
    if (paused == pause) {
      return Future.succeededFuture();
    }
    paused = pause;
    Instant now = clock.now();
    if (pause) {
      armed++;   // a tick already on its way to the context is stale now
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      nextRunAt = null;
      deferredDue = null;
      log.info("Timed service '{}' paused: it starts no scheduled run until resumed{}", service.name(),
          running > 0 ? " (the run in progress finishes)" : "");
    } else {
      log.info("Timed service '{}' resumed", service.name());
      arm(options.schedule().firstRun(now));
    }
    events.publish(TimedPauseEvent.TOPIC, () -> new TimedPauseEvent(service.name(), pause, now));
    return recordAndWait();
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
      record();
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
    record();
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
    if (generation != armed || stopping || paused) {
      return;   // cancelled (or paused) after it had already left the clock
    }
    timer = null;
    if (running >= options.maxConcurrentRuns() && early) {
      plan(generation, due, startAt, 0);   // the run in the way may still end in time: decide at the tick itself
      return;
    }
    boolean refused = !mayRun.getAsBoolean();
    if (refused) {
      log.warn("Timed service '{}': the tick due at {} is skipped: this node's singleton lease ran out (it stops here)",
          service.name(), Instants.iso(due));
    }
    if (refused || running >= options.maxConcurrentRuns()) {
      // The runs allowed are all still going (or a triggered run is in the way): coalesce this tick.
      skipped++;
      long inTheWay = runs;
      events.publish(TimedTickEvent.TOPIC, () -> new TimedTickEvent(service.name(), TimedTickEvent.SKIPPED, inTheWay,
          false, due));
      if (planOnFire) {
        armNext(due, firedAt);
      } else {
        deferredDue = due;   // fixedDelay: the delay counts from the end of the run in the way
        nextRunAt = null;
        record();
      }
      return;
    }
    boolean launched = launch(due, startAt, false, true);
    if (planOnFire || !launched) {
      armNext(due, firedAt);
    } else {
      nextRunAt = null;   // fixedDelay: planned when this run ends
      record();
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
    record();
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
    events.publish(TimedTickEvent.TOPIC, () -> new TimedTickEvent(service.name(), TimedTickEvent.STARTED, number,
        triggered, due));
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
    if (!planOnFire && !paused) {
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

  /**
   * Hands the current state to the ledger, if there is one: at once when no write is in flight, otherwise it replaces
   * whatever waited behind that write (only the latest state matters, so a slow ledger holds one entry, not a
   * backlog). The write leaves in a task of its own, so that the changes of one step (a run started and the next one
   * planned) go out as one. A failure is logged, once until writes succeed again.
   */
  private void record() {
    if (ledger == null) {
      return;
    }
    unwritten = new RunLedger.Entry(lastRunAt, nextRunAt, paused);
    if (!writing) {
      writing = true;
      try {
        context.runOnContext(v -> writeNext());
      } catch (RejectedExecutionException e) {
        writing = false;   // Vert.x is closed: nothing can be written any more
        unwrittenWaiters.forEach(Promise::tryComplete);
        unwrittenWaiters.clear();
      }
    }
  }

  /** {@link #record()}, completing once a write holding this state ended, successfully or not. */
  private Future<Void> recordAndWait() {
    if (ledger == null) {
      return Future.succeededFuture();
    }
    Promise<Void> written = Promise.promise();
    unwrittenWaiters.add(written);
    record();
    return written.future();
  }

  /** Writes the state waiting, if any; on the context. */
  private void writeNext() {
    RunLedger.Entry entry = unwritten;
    List<Promise<Void>> waiters = unwrittenWaiters;
    unwritten = null;
    unwrittenWaiters = new ArrayList<>();
    if (entry == null) {
      writing = false;
      drainWaiters.forEach(Promise::tryComplete);
      drainWaiters.clear();
      return;
    }
    Future<Void> write;
    try {
      write = ledger.write(service.name(), entry);
    } catch (RuntimeException e) {
      write = Future.failedFuture(e);
    }
    Futures.backOn(context, write).onComplete(ar -> {
      if (ar.failed() && !ledgerFailing) {
        ledgerFailing = true;
        log.warn("Timed service '{}': its run ledger could not be written ({}); its schedule goes on, but after a"
            + " restart it may not know its last state. Logged once until a write succeeds.", service.name(),
            Failures.describe(ar.cause()));
      } else if (ar.succeeded() && ledgerFailing) {
        ledgerFailing = false;
        log.info("Timed service '{}': its run ledger is written again", service.name());
      }
      waiters.forEach(Promise::tryComplete);
      writeNext();
    });
  }

  /** Completes when every state recorded so far has been handed to the ledger and its write ended. */
  private Future<Void> written() {
    if (!writing) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    drainWaiters.add(drained);
    return drained.future();
  }

  @Override
  public Future<Void> stop(Duration budget) {
    stopping = true;
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
    // Shown as none planned from now on; the ledger keeps the planned run, which the next start honours.
    nextRunAt = null;
    if (running == 0) {
      idle.tryComplete();
    }
    return idle.future()
        .compose(v -> written())
        .timeout(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(Failures.isTimeout(e)
            ? new StopTimeoutException(running > 0
                ? running + " run(s) still running after their tokens were cancelled"
                : "the run ledger's last write did not end in time")
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
        .put("lastRunAt", Instants.iso(last))
        .put("lastDurationMs", lastDurationMs < 0 ? null : lastDurationMs)
        .put("lastOutcome", lastOutcome)
        .put("lastError", lastError)
        .put("nextRunAt", Instants.iso(next))
        .put("running", running > 0)
        .put("paused", paused)
        .put("misfire", options.misfire().label())
        .put("maxConcurrentRuns", options.maxConcurrentRuns());
  }

  private record Run(String service, long number, Instant scheduledAt, boolean triggered, CancellationToken token,
                     Scope scope, boolean fromSchedule, Instant startAt) implements RunContext {
  }
}
