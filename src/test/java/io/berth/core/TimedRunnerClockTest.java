package io.berth.core;

import io.berth.core.internal.Instants;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.berth.service.CancellationSource;
import io.berth.service.CancellationToken;
import io.berth.service.RunContext;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.service.TimedService;
import io.berth.testing.Await;
import io.berth.testing.ManualClock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The timing of {@link TimedRunner} against a {@link ManualClock}: the test moves time, the runner runs for real on a
 * Vert.x context and a worker thread. After each step the test waits for the runner to have planned its next tick
 * (a pending task on the clock) before it moves time again, so nothing here depends on how fast the machine is.
 */
@ExtendWith(VertxExtension.class)
class TimedRunnerClockTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private final ManualClock clock = new ManualClock(T0);
  private final List<RunContext> runs = new CopyOnWriteArrayList<>();
  private final CancellationSource shutdown = new CancellationSource();
  private TimedRunner runner;
  private Context context;

  @AfterEach
  void stopRunner() {
    if (runner != null) {
      shutdown.cancel("shutdown");
      Await.result(onContext(() -> runner.stop(Duration.ofSeconds(5))));
    }
  }

  @Test
  void everyRunsOnItsGridWhateverTheRunsTake(Vertx vertx) throws Exception {
    Duration period = Duration.ofMillis(20);
    Semaphore gate = new Semaphore(0);
    start(vertx, o -> o.schedule(Schedule.every(period)), run -> {
      if (run.number() % 2 == 0) {
        assertThat(gate.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
      }
    });

    for (int k = 0; k < 50; k++) {
      Instant due = T0.plus(period.multipliedBy(k));
      awaitArmed(due);
      clock.advanceTo(due.minusNanos(1));
      assertThat(clock.nextDue()).contains(due);   // nothing fires before its grid point
      assertThat(runs).hasSize(k);
      clock.advanceTo(due);
      awaitRuns(k + 1);
      if (runs.get(k).number() % 2 == 0) {
        awaitArmed(due.plus(period));   // planned when the tick came, not when the run ends
        clock.advanceTo(due.plusMillis(15));   // a run that takes most of a period
        gate.release();
      }
      awaitIdle();
    }

    for (int k = 0; k < 50; k++) {
      assertThat(runs.get(k).scheduledAt()).isEqualTo(T0.plus(period.multipliedBy(k)));
    }
    awaitArmed(T0.plus(period.multipliedBy(50)));
    assertThat(details().getLong("skipped")).isZero();
    assertThat(details().getLong("runs")).isEqualTo(50);
  }

  @Test
  void ticksMissedByALongRunCoalesceIntoTheNextGridPointAndAreCounted(Vertx vertx) throws Exception {
    Duration period = Duration.ofMillis(10);
    CountDownLatch inRun = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    start(vertx, o -> o.schedule(Schedule.every(period)), run -> {
      if (run.number() == 1) {
        inRun.countDown();
        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
      }
    });
    clock.advance(Duration.ZERO);
    assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();

    // The run blocks across three and a half periods: the ticks at 10, 20 and 30 ms find it running.
    for (int k = 1; k <= 3; k++) {
      Instant due = T0.plus(period.multipliedBy(k));
      awaitArmed(due);
      clock.advanceTo(due);
      long coalesced = k;
      waiting().until(() -> details().getLong("skipped") == coalesced);
    }
    awaitArmed(T0.plusMillis(40));
    clock.advanceTo(T0.plusMillis(35));
    release.countDown();
    waiting().until(() -> !details().getBoolean("running"));

    assertThat(runs).hasSize(1);
    assertThat(details().getString("nextRunAt")).isEqualTo(Instants.iso(T0.plusMillis(40)));
    clock.advanceTo(T0.plusMillis(40));
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusMillis(40));
    assertThat(details().getLong("skipped")).isEqualTo(3);
    assertThat(details().getLong("runs")).isEqualTo(2);
    // The event stream sees each start and each coalesced tick, with the grid point it was due at.
    assertThat(events).filteredOn(e -> e instanceof TimedTickEvent).map(HostEvent::toJson)
        .extracting(j -> j.getString("event") + " #" + j.getLong("run") + " " + j.getString("scheduledAt"))
        .containsExactly("started #1 " + Instants.iso(T0), "skipped #1 " + Instants.iso(T0.plusMillis(10)),
            "skipped #1 " + Instants.iso(T0.plusMillis(20)), "skipped #1 " + Instants.iso(T0.plusMillis(30)),
            "started #2 " + Instants.iso(T0.plusMillis(40)));
  }

  @Test
  void aTickHandedOverLateIsPlannedFromItsGridPointAndGridPointsItPassedAreCounted(Vertx vertx) {
    Duration period = Duration.ofMillis(10);
    start(vertx, o -> o.schedule(Schedule.every(period)), run -> { });
    clock.advance(Duration.ZERO);
    awaitRuns(1);
    awaitIdle();

    // The clock's thread wakes 4 ms late: the run is late, the grid is not.
    awaitArmed(T0.plusMillis(10));
    clock.stall(Duration.ofMillis(14));
    clock.advance(Duration.ZERO);
    awaitRuns(2);
    awaitArmed(T0.plusMillis(20));
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusMillis(10));
    assertThat(details().getLong("skipped")).isZero();
    awaitIdle();

    // It wakes 21 ms late: the grid points at 30 and 40 ms passed meanwhile and coalesce into this run.
    clock.stall(Duration.ofMillis(27));
    clock.advance(Duration.ZERO);
    awaitRuns(3);
    awaitArmed(T0.plusMillis(50));
    assertThat(runs.get(2).scheduledAt()).isEqualTo(T0.plusMillis(20));
    assertThat(details().getLong("skipped")).isEqualTo(2);
  }

  @Test
  void aTickRefusedByItsRunCheckIsSkippedNotRunAndTheNextTickRunsOnceItHoldsAgain(Vertx vertx) {
    AtomicBoolean holds = new AtomicBoolean(true);
    start(vertx, o -> o.schedule(Schedule.every(Duration.ofMillis(10))), run -> { });
    runner.runOnlyWhile(holds::get);
    clock.advance(Duration.ZERO);
    awaitRuns(1);
    awaitIdle();
    String lastRunAt = details().getString("lastRunAt");

    // The singleton's lease ran out (by this node's clock): the tick at 10 ms starts nothing.
    holds.set(false);
    awaitArmed(T0.plusMillis(10));
    clock.advanceTo(T0.plusMillis(10));
    awaitArmed(T0.plusMillis(20));
    assertThat(runs).hasSize(1);
    assertThat(details().getLong("runs")).isEqualTo(1);
    assertThat(details().getLong("skipped")).isEqualTo(1);
    assertThat(details().getString("lastRunAt")).isEqualTo(lastRunAt);

    holds.set(true);
    clock.advanceTo(T0.plusMillis(20));
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusMillis(20));
  }

  @Test
  void everySecondCronFiresOnTheSecondAfterALateTickAndARun(Vertx vertx) throws Exception {
    Semaphore gate = new Semaphore(0);
    clock.stall(Duration.ofMillis(300));
    start(vertx, o -> o.schedule(Schedule.cron("* * * * * *")),
        run -> assertThat(gate.tryAcquire(10, TimeUnit.SECONDS)).isTrue());

    for (int k = 1; k <= 5; k++) {
      Instant due = T0.plusSeconds(k);
      awaitArmed(due);
      clock.stall(Duration.between(clock.now(), due.plusNanos(77_745_000)));   // the tick is handled 77.745 ms late
      clock.advance(Duration.ZERO);
      awaitRuns(k);
      awaitArmed(due.plusSeconds(1));
      clock.advance(Duration.ofMillis(7));   // a 7 ms run
      gate.release();
      awaitIdle();
      assertThat(details().getString("nextRunAt")).isEqualTo(Instants.iso(due.plusSeconds(1)));
    }
    assertThat(runs).extracting(RunContext::scheduledAt)
        .containsExactly(T0.plusSeconds(1), T0.plusSeconds(2), T0.plusSeconds(3), T0.plusSeconds(4), T0.plusSeconds(5));
    assertThat(details().getLong("skipped")).isZero();
  }

  @Test
  void cronTicksMissedByALongRunAreCounted(Vertx vertx) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start(vertx, o -> o.schedule(Schedule.cron("*/10 * * * * *")), run -> {
      if (run.number() == 1) {
        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
      }
    });
    for (int k = 1; k <= 3; k++) {
      Instant due = T0.plusSeconds(10L * k);
      awaitArmed(due);
      clock.advanceTo(due);
      awaitRuns(1);
    }
    awaitArmed(T0.plusSeconds(40));
    release.countDown();
    waiting().until(() -> !details().getBoolean("running"));
    clock.advanceTo(T0.plusSeconds(40));
    awaitRuns(2);

    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(40));
    assertThat(details().getLong("skipped")).isEqualTo(2);
  }

  @Test
  void fixedDelayPlansTheNextRunWhenARunEnds(Vertx vertx) {
    List<Integer> pendingDuringRuns = new CopyOnWriteArrayList<>();
    start(vertx, o -> o.schedule(Schedule.fixedDelay(Duration.ofMillis(50))), run -> {
      pendingDuringRuns.add(clock.pending());
      clock.advanceTo(run.scheduledAt().plusMillis(30));   // the run takes 30 ms
    });

    Instant due = T0;
    for (int k = 1; k <= 4; k++) {
      awaitArmed(due);
      clock.advanceTo(due);
      awaitRuns(k);
      assertThat(runs.get(k - 1).scheduledAt()).isEqualTo(due);
      due = due.plusMillis(30 + 50);   // it ends 30 ms after it started, then waits 50 ms
    }
    awaitArmed(due);
    assertThat(pendingDuringRuns).containsOnly(0);   // nothing is planned while a run runs
    assertThat(details().getLong("skipped")).isZero();
  }

  @Test
  void runOnStartRunsAtOnceThenTheInitialDelayAnchorsTheGrid(Vertx vertx) {
    start(vertx, o -> o.schedule(Schedule.every(Duration.ofMillis(100))).initialDelay(Duration.ofMillis(300))
        .runOnStart(true), run -> { });
    awaitRuns(1);
    awaitIdle();
    assertThat(runs.get(0).scheduledAt()).isEqualTo(T0);

    for (int k = 0; k < 3; k++) {
      Instant due = T0.plusMillis(300 + 100L * k);
      awaitArmed(due);
      clock.advanceTo(due);
      awaitRuns(k + 2);
      awaitIdle();
      assertThat(runs.get(k + 1).scheduledAt()).isEqualTo(due);
    }
  }

  @Test
  void jitterDelaysEachTickByAtMostItsAmountAndKeepsTheGrid(Vertx vertx) {
    Duration period = Duration.ofMillis(60);
    Duration jitter = Duration.ofMillis(40);
    start(vertx, o -> o.schedule(Schedule.every(period)).jitter(jitter), run -> { });

    long maxJitterNanos = 0;
    for (int k = 0; k < 30; k++) {
      Instant grid = T0.plus(period.multipliedBy(k));
      Instant fires = awaitAnyArmed();
      assertThat(fires).isBetween(grid, grid.plus(jitter));
      maxJitterNanos = Math.max(maxJitterNanos, Duration.between(grid, fires).toNanos());
      clock.advanceTo(fires);
      awaitRuns(k + 1);
      assertThat(runs.get(k).scheduledAt()).isEqualTo(grid);
      awaitIdle();
      waiting().until(() -> clock.nextDue().filter(next -> next.isAfter(fires)).isPresent());
    }
    assertThat(maxJitterNanos).isPositive();
    assertThat(details().getLong("skipped")).isZero();
  }

  @Test
  void aRunTimesOutOnTheClock(Vertx vertx) {
    AtomicReference<String> reason = new AtomicReference<>();
    start(vertx, o -> o.schedule(Schedule.every(Duration.ofHours(1))).timeout(Duration.ofMillis(100)), run -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      run.token().onCancel(cancelled::countDown);
      assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
      reason.set(run.token().reason());
    });
    clock.advance(Duration.ZERO);
    awaitRuns(1);
    awaitArmed(T0.plusMillis(100));   // the timeout, before the next hourly tick
    clock.advanceTo(T0.plusMillis(100));

    waiting().until(() -> details().getLong("timeouts") == 1);
    assertThat(reason.get()).isEqualTo("timeout");
    assertThat(details().getString("lastOutcome")).isEqualTo("timed-out");
    assertThat(details().getLong("lastDurationMs")).isEqualTo(100);
  }

  // --- plumbing ---

  /** Every host event the runner publishes. */
  private final java.util.List<HostEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final HostEvents hostEvents = new HostEvents();

  {
    hostEvents.listen(events::add);
  }

  private void start(Vertx vertx, Consumer<TimedOptions> configure, TimedService work) {
    TimedOptions options = new TimedOptions();
    configure.accept(options);
    ServiceContext service = new FakeServiceContext(vertx, shutdown.token());
    runner = new TimedRunner(run -> {
      runs.add(run);
      work.run(run);
    }, options, service, ServiceRegistry.builder().build(), false, clock, hostEvents);
    context = vertx.getOrCreateContext();
    Await.result(onContext(runner::start));
  }

  private <T> Future<T> onContext(Callable<Future<T>> body) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        body.call().onComplete(promise);
      } catch (Exception e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  /** Polls often: every step of these tests waits for the runner, and the default 100 ms would add up. */
  private static ConditionFactory waiting() {
    return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  private JsonObject details() {
    return runner.details();
  }

  /** Waits until the runner has planned a tick (or a timeout) for exactly {@code due}. */
  private void awaitArmed(Instant due) {
    waiting().until(() -> clock.nextDue().equals(Optional.of(due)));
  }

  private Instant awaitAnyArmed() {
    waiting().until(() -> clock.nextDue().isPresent());
    return clock.nextDue().orElseThrow();
  }

  /** Waits until no run is running, so that the next tick cannot find one in its way. */
  private void awaitIdle() {
    waiting().until(() -> !details().getBoolean("running"));
  }

  private void awaitRuns(int count) {
    waiting().until(() -> runs.size() >= count);
    assertThat(runs).hasSize(count);
  }

  private record FakeServiceContext(Vertx vertx, CancellationToken cancellation) implements ServiceContext {

    @Override
    public String name() {
      return "clocked";
    }

    @Override
    public ApplicationLifetime lifetime() {
      throw new UnsupportedOperationException("not used by a timed runner");
    }

    @Override
    public JsonObject config() {
      return new JsonObject();
    }

    @Override
    public io.berth.scope.ServiceRegistry registry() {
      throw new UnsupportedOperationException("not used by a timed runner");
    }

    @Override
    public <T> java.util.Optional<T> feature(Class<T> type) {
      return java.util.Optional.empty();
    }

    @Override
    public io.berth.config.ConfigReader settings() {
      return io.berth.config.ConfigReader.of(new JsonObject());
    }

    @Override
    public java.time.Duration remainingStopTime() {
      return java.time.Duration.ofSeconds(30);
    }
  }
}
