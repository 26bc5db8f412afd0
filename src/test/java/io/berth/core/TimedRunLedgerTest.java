package io.berth.core;

import io.berth.core.internal.Instants;
import io.berth.core.internal.StopTimeoutException;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.berth.service.CancellationSource;
import io.berth.service.CancellationToken;
import io.berth.service.RunContext;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pause/resume, the {@link RunLedger} across a restart and misfire handling, against a {@link ManualClock}. A restart
 * is two runners, one after the other, sharing one {@link MemoryRunLedger}; the clock moves over the "downtime" while
 * neither runs.
 */
@ExtendWith(VertxExtension.class)
class TimedRunLedgerTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private static final String NAME = "report";

  private final ManualClock clock = new ManualClock(T0);
  private final MemoryRunLedger ledger = new MemoryRunLedger();
  private final List<RunContext> runs = new CopyOnWriteArrayList<>();
  private final List<HostEvent> events = new CopyOnWriteArrayList<>();
  private final List<Instance> started = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (Instance i : started) {
      if (!i.stopped) {
        i.stop();
      }
    }
  }

  @Test
  void pauseStopsScheduledRunsAndResumeRestartsThemFromNow(Vertx vertx) {
    Instance host = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofSeconds(10))));
    clock.advanceTo(T0);
    awaitRuns(1);
    awaitArmed(T0.plusSeconds(10));

    Await.result(host.runner.pause(true));
    assertThat(clock.pending()).isZero();   // no tick planned at all
    assertThat(host.details().getBoolean("paused")).isTrue();
    assertThat(host.details().getString("nextRunAt")).isNull();
    awaitLedger(new RunLedger.Entry(T0, null, true));

    clock.advanceTo(T0.plusSeconds(60));   // six grid points pass
    assertThat(runs).hasSize(1);
    Await.result(host.runner.pause(true));   // idempotent: no second event
    Await.result(host.runner.trigger());     // a trigger still runs a paused service
    awaitRuns(2);
    awaitIdle(host);
    assertThat(clock.pending()).isZero();

    clock.advanceTo(T0.plusSeconds(65));
    Await.result(host.runner.pause(false));
    assertThat(host.details().getBoolean("paused")).isFalse();
    awaitArmed(T0.plusSeconds(65));   // every: a resume runs at once, and anchors the grid there
    clock.advance(Duration.ZERO);
    awaitRuns(3);
    assertThat(runs.get(2).scheduledAt()).isEqualTo(T0.plusSeconds(65));
    awaitArmed(T0.plusSeconds(75));
    awaitLedger(new RunLedger.Entry(T0.plusSeconds(65), T0.plusSeconds(75), false));

    assertThat(events).filteredOn(e -> e instanceof TimedPauseEvent).map(HostEvent::toJson).containsExactly(
        new JsonObject().put("service", NAME).put("paused", true).put("at", "2026-03-01T10:00:00.000Z"),
        new JsonObject().put("service", NAME).put("paused", false).put("at", "2026-03-01T10:01:05.000Z"));
    assertThat(events).filteredOn(e -> e instanceof TimedRunEvent).hasSize(3);
    assertThat(events).filteredOn(e -> e instanceof TimedTickEvent).map(HostEvent::toJson)
        .extracting(j -> j.getString("event") + (j.getBoolean("triggered") ? " (triggered)" : ""))
        .containsExactly("started", "started (triggered)", "started");
  }

  @Test
  void aRunningRunFinishesWhenPausedAndPlansNothingAfter(Vertx vertx) throws Exception {
    CountDownLatch inRun = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Instance host = start(vertx, ledger, o -> o.schedule(Schedule.fixedDelay(Duration.ofSeconds(10))), run -> {
      inRun.countDown();
      assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
    });
    clock.advanceTo(T0);
    assertThat(inRun.await(10, TimeUnit.SECONDS)).isTrue();

    Await.result(host.runner.pause(true));
    release.countDown();
    awaitIdle(host);
    assertThat(host.details().getString("lastOutcome")).isEqualTo("succeeded");
    assertThat(clock.pending()).isZero();   // fixedDelay plans at the end of a run: not while paused
    clock.advanceTo(T0.plusSeconds(60));
    assertThat(runs).hasSize(1);
  }

  @Test
  void pausedSurvivesARestart(Vertx vertx) {
    Instance first = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofSeconds(10))));
    clock.advanceTo(T0);
    awaitRuns(1);
    Await.result(first.runner.pause(true));
    first.stop();

    clock.advanceTo(T0.plusSeconds(30));
    Instance second = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofSeconds(10))));
    assertThat(second.details().getBoolean("paused")).isTrue();
    assertThat(second.details().getString("lastRunAt")).isEqualTo(Instants.iso(T0));   // remembered too
    assertThat(clock.pending()).isZero();
    clock.advanceTo(T0.plusSeconds(120));
    assertThat(runs).hasSize(1);

    Await.result(second.runner.pause(false));
    clock.advance(Duration.ZERO);
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(120));
  }

  @Test
  void misfireRunOnceRunsExactlyOnceAfterADowntimeSpanningSeveralPlannedRuns(Vertx vertx) {
    // Overlap allowed, so only the misfire rule stands between the downtime and a burst.
    Consumer<TimedOptions> options = o -> o.schedule(Schedule.every(Duration.ofSeconds(10))).maxConcurrentRuns(4);
    Instance first = start(vertx, ledger, options);
    clock.advanceTo(T0);
    awaitRuns(1);
    awaitArmed(T0.plusSeconds(10));
    clock.advanceTo(T0.plusSeconds(5));
    first.stop();
    awaitLedger(new RunLedger.Entry(T0, T0.plusSeconds(10), false));

    clock.advanceTo(T0.plusSeconds(65));   // down over 10, 20, 30, 40, 50 and 60 s
    Instance second = start(vertx, ledger, options);
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(10));   // the first missed run, made up
    awaitArmed(T0.plusSeconds(70));   // the grid stays where it was
    assertThat(second.details().getLong("runs")).isEqualTo(1);
    assertThat(second.details().getLong("skipped")).isEqualTo(5);

    clock.advanceTo(T0.plusSeconds(70).minusNanos(1));
    assertThat(runs).hasSize(2);
    clock.advanceTo(T0.plusSeconds(70));
    awaitRuns(3);
    assertThat(runs.get(2).scheduledAt()).isEqualTo(T0.plusSeconds(70));
  }

  @Test
  void misfireSkipRunsNoneAndPlansTheNextGridPoint(Vertx vertx) {
    Consumer<TimedOptions> options = o -> o.schedule(Schedule.every(Duration.ofSeconds(10)))
        .misfire(TimedOptions.Misfire.SKIP);
    Instance first = start(vertx, ledger, options);
    clock.advanceTo(T0);
    awaitRuns(1);
    awaitArmed(T0.plusSeconds(10));
    first.stop();

    clock.advanceTo(T0.plusSeconds(65));
    Instance second = start(vertx, ledger, options);
    awaitArmed(T0.plusSeconds(70));
    assertThat(second.details().getLong("runs")).isZero();   // counted when a run launches, before start completes
    assertThat(second.details().getLong("skipped")).isEqualTo(6);
    assertThat(second.details().getString("misfire")).isEqualTo("skip");
    assertThat(runs).hasSize(1);
    clock.advanceTo(T0.plusSeconds(70));
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(70));
  }

  @Test
  void cronMisfireMakesUpOneRunAndCountsTheOthers(Vertx vertx) {
    Consumer<TimedOptions> hourly = o -> o.schedule(Schedule.cron("0 0 * * * *"));
    Instance first = start(vertx, ledger, hourly);
    awaitArmed(T0.plusSeconds(3600));   // cron: strictly after the start
    first.stop();

    clock.advanceTo(T0.plus(Duration.ofMinutes(4 * 60 + 30)));   // 14:30; down over 11:00 to 14:00
    Instance second = start(vertx, ledger, hourly);
    awaitRuns(1);
    assertThat(runs.get(0).scheduledAt()).isEqualTo(Instant.parse("2026-03-01T11:00:00Z"));
    awaitArmed(Instant.parse("2026-03-01T15:00:00Z"));
    assertThat(second.details().getLong("skipped")).isEqualTo(3);
  }

  @Test
  void fixedDelayMisfireRunsOnceThenWaitsItsDelayAfterThatRun(Vertx vertx) {
    Consumer<TimedOptions> delay = o -> o.schedule(Schedule.fixedDelay(Duration.ofMinutes(1)));
    Instance first = start(vertx, ledger, delay);
    clock.advanceTo(T0);
    awaitRuns(1);
    awaitArmed(T0.plusSeconds(60));
    first.stop();

    clock.advanceTo(T0.plusSeconds(300));
    Instance second = start(vertx, ledger, delay);
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(60));
    awaitArmed(T0.plusSeconds(360));
    assertThat(second.details().getLong("runs")).isEqualTo(1);
  }

  @Test
  void aPlannedRunStillInTheFutureKeepsItsInstantAfterARestart(Vertx vertx) {
    Consumer<TimedOptions> everyMinute = o -> o.schedule(Schedule.every(Duration.ofMinutes(1)));
    Instance first = start(vertx, ledger, everyMinute);
    clock.advanceTo(T0);
    awaitRuns(1);
    awaitArmed(T0.plusSeconds(60));
    clock.advanceTo(T0.plusSeconds(10));
    first.stop();

    clock.advanceTo(T0.plusSeconds(20));
    Instance second = start(vertx, ledger, everyMinute);
    awaitArmed(T0.plusSeconds(60));   // not "start + 0" (every's first run when starting afresh)
    assertThat(second.details().getLong("runs")).isZero();
    assertThat(second.details().getString("nextRunAt")).isEqualTo("2026-03-01T10:01:00.000Z");
    clock.advanceTo(T0.plusSeconds(60));
    awaitRuns(2);
    assertThat(runs.get(1).scheduledAt()).isEqualTo(T0.plusSeconds(60));
  }

  @Test
  void aPlanLaterThanTheScheduleAllowsIsPlannedAfresh(Vertx vertx) {
    // Left by a daily schedule that is now every 10 s: waiting a day for it would be waiting for nothing.
    ledger.seed(NAME, new RunLedger.Entry(T0.minusSeconds(3600), T0.plus(Duration.ofHours(20)), false));
    Instance host = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofSeconds(10))));
    awaitArmed(T0);
    assertThat(host.details().getString("lastRunAt")).isEqualTo(Instants.iso(T0.minusSeconds(3600)));
  }

  @Test
  void exposedTimestampsHaveMillisecondsAndTheRunKeepsItsExactInstant(Vertx vertx) {
    Instant odd = T0.plusNanos(1_234_567);   // 10:00:00.001234567
    clock.advanceTo(odd);
    Instance host = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofMillis(1500))));
    clock.advance(Duration.ZERO);
    awaitRuns(1);
    awaitIdle(host);

    assertThat(runs.get(0).scheduledAt()).isEqualTo(odd);   // internal precision stays
    JsonObject details = host.details();
    assertThat(details.getString("lastRunAt")).isEqualTo("2026-03-01T10:00:00.001Z");
    assertThat(details.getString("nextRunAt")).isEqualTo("2026-03-01T10:00:01.501Z");
    TimedRunEvent run = (TimedRunEvent) events.stream().filter(e -> e instanceof TimedRunEvent).findFirst()
        .orElseThrow();
    assertThat(run.scheduledAt()).isEqualTo(Instant.parse("2026-03-01T10:00:00.001Z"));
    assertThat(run.toJson().getString("scheduledAt")).isEqualTo("2026-03-01T10:00:00.001Z");

    Await.result(host.runner.pause(true));
    JsonObject paused = events.stream().filter(e -> e instanceof TimedPauseEvent).findFirst().orElseThrow().toJson();
    assertThat(paused.getString("at")).isEqualTo("2026-03-01T10:00:00.001Z");
    for (String at : List.of(details.getString("lastRunAt"), details.getString("nextRunAt"),
        run.toJson().getString("scheduledAt"), paused.getString("at"))) {
      assertThat(at).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    }
  }

  @Test
  void aTickWritesTheLedgerOnceWithTheRunStartedAndTheNextOnePlanned(Vertx vertx) {
    Instance host = start(vertx, ledger, o -> o.schedule(Schedule.every(Duration.ofSeconds(1))));
    for (int k = 0; k < 10; k++) {
      awaitArmed(T0.plusSeconds(k));
      clock.advanceTo(T0.plusSeconds(k));
      awaitRuns(k + 1);
      awaitLedger(new RunLedger.Entry(T0.plusSeconds(k), T0.plusSeconds(k + 1), false));
    }
    assertThat(ledger.writes()).isEqualTo(11);   // the plan at start, then one per tick: never one per change
    assertThat(host.details().getLong("runs")).isEqualTo(10);
  }

  @Test
  void aLedgerThatFailsIsLoggedOnceAndDelaysNoRun(Vertx vertx) {
    RunLedger failing = new RunLedger() {
      @Override
      public Future<Optional<Entry>> read(String service) {
        return Future.failedFuture(new IllegalStateException("disk gone"));
      }

      @Override
      public Future<Void> write(String service, Entry entry) {
        return Future.failedFuture(new IllegalStateException("disk gone"));
      }
    };
    try (LogCapture log = LogCapture.start()) {
      start(vertx, failing, o -> o.schedule(Schedule.every(Duration.ofSeconds(1))));
      for (int k = 0; k < 5; k++) {
        awaitArmed(T0.plusSeconds(k));
        clock.advanceTo(T0.plusSeconds(k));
        awaitRuns(k + 1);
      }
      assertThat(log.lines()).filteredOn(l -> l.contains("could not be read")).hasSize(1);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> log.lines().stream().anyMatch(l -> l.contains("could not be written")));
      assertThat(log.lines()).filteredOn(l -> l.contains("could not be written")).hasSize(1)
          .allMatch(l -> l.startsWith("WARN") && l.contains("disk gone"));
    }
  }

  @Test
  void aLedgerWriteThatNeverEndsDelaysNoRunAndTheStopSaysWhy(Vertx vertx) {
    RunLedger stuck = new RunLedger() {
      @Override
      public Future<Optional<Entry>> read(String service) {
        return Future.succeededFuture(Optional.empty());
      }

      @Override
      public Future<Void> write(String service, Entry entry) {
        return Promise.<Void>promise().future();
      }
    };
    Instance host = start(vertx, stuck, o -> o.schedule(Schedule.every(Duration.ofSeconds(1))));
    for (int k = 0; k < 5; k++) {
      awaitArmed(T0.plusSeconds(k));
      clock.advanceTo(T0.plusSeconds(k));
      awaitRuns(k + 1);
    }
    host.stopped = true;
    host.shutdown.cancel("shutdown");
    Throwable failure = Await.failure(host.onContext(() -> host.runner.stop(Duration.ofMillis(100))));
    assertThat(failure).isInstanceOf(StopTimeoutException.class)
        .hasMessageContaining("the run ledger's last write did not end in time");
  }

  // --- plumbing ---

  private Instance start(Vertx vertx, RunLedger ledger, Consumer<TimedOptions> configure) {
    return start(vertx, ledger, configure, run -> { });
  }

  private Instance start(Vertx vertx, RunLedger ledger, Consumer<TimedOptions> configure,
                         io.berth.service.TimedService work) {
    TimedOptions options = new TimedOptions();
    configure.accept(options);
    HostEvents hostEvents = new HostEvents();
    hostEvents.listen(events::add);
    Instance instance = new Instance(vertx);
    instance.runner = new TimedRunner(run -> {
      runs.add(run);
      work.run(run);
    }, options, new LedgerServiceContext(vertx, instance.shutdown.token(), ledger), ServiceRegistry.builder().build(),
        false, clock, hostEvents);
    Await.result(instance.onContext(instance.runner::start));
    started.add(instance);
    return instance;
  }

  /** One start of the service: a host instance as far as the runner can tell. */
  private static final class Instance {
    final CancellationSource shutdown = new CancellationSource();
    final Context context;
    TimedRunner runner;
    boolean stopped;

    Instance(Vertx vertx) {
      this.context = vertx.getOrCreateContext();
    }

    JsonObject details() {
      return runner.details();
    }

    void stop() {
      stopped = true;
      shutdown.cancel("shutdown");
      Await.result(onContext(() -> runner.stop(Duration.ofSeconds(5))));
    }

    <T> Future<T> onContext(Callable<Future<T>> body) {
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
  }

  private static ConditionFactory waiting() {
    return await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
  }

  private void awaitArmed(Instant due) {
    waiting().until(() -> clock.nextDue().equals(Optional.of(due)));
  }

  private void awaitRuns(int count) {
    waiting().until(() -> runs.size() >= count);
    assertThat(runs).hasSize(count);
  }

  private static void awaitIdle(Instance instance) {
    waiting().until(() -> !instance.details().getBoolean("running"));
  }

  private void awaitLedger(RunLedger.Entry expected) {
    waiting().until(() -> expected.equals(ledger.entry(NAME)));
  }

  private record LedgerServiceContext(Vertx vertx, CancellationToken cancellation, RunLedger ledger)
      implements ServiceContext {

    @Override
    public String name() {
      return NAME;
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
    public ServiceRegistry registry() {
      throw new UnsupportedOperationException("not used by a timed runner");
    }

    @Override
    public <T> Optional<T> feature(Class<T> type) {
      return type == RunLedger.class ? Optional.of(type.cast(ledger)) : Optional.empty();
    }

    @Override
    public io.berth.config.ConfigReader settings() {
      return io.berth.config.ConfigReader.of(new JsonObject());
    }

    @Override
    public Duration remainingStopTime() {
      return Duration.ofSeconds(30);
    }
  }
}
