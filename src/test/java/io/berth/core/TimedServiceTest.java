package io.berth.core;

import io.berth.host.Host;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.scope.ServiceRegistry;
import io.berth.service.RunContext;
import io.berth.service.Schedule;
import io.berth.testing.Await;
import io.berth.testing.Services;
import io.berth.testing.LogCapture;
import io.berth.testing.Work;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class TimedServiceTest {

  /**
   * Wall-clock smoke test; the exact grid is checked against a manual clock in {@link TimedRunnerClockTest}. A busy
   * machine may coalesce a tick (allowed by design), so this only asserts what holds anyway: every run is due on the
   * grid of the first, none starts before it is due, and the last one still starts close to its grid point.
   */
  @Test
  void fixedRateStaysOnItsGridWithoutCumulativeDrift(Vertx vertx) {
    List<Instant> starts = new CopyOnWriteArrayList<>();
    List<Instant> due = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .timed("rate", Schedule.every(Duration.ofMillis(20)), run -> {
          starts.add(Instant.now());
          due.add(run.scheduledAt());
        })
        .build();

    Await.result(host.start());
    await().atMost(Duration.ofSeconds(10)).until(() -> starts.size() >= 50);
    Await.result(host.stop());

    Instant grid0 = due.get(0);
    for (int k = 1; k < 50; k++) {
      Duration gap = Duration.between(due.get(k - 1), due.get(k));
      assertThat(gap.toNanos() % Duration.ofMillis(20).toNanos()).isZero();
      assertThat(gap).isPositive();
    }
    for (int k = 0; k < 50; k++) {
      assertThat(starts.get(k)).isAfterOrEqualTo(due.get(k));
    }
    assertThat(Duration.between(grid0, due.get(49)).toMillis()).isGreaterThanOrEqualTo(49 * 20);
    assertThat(Duration.between(due.get(49), starts.get(49))).isLessThan(Duration.ofMillis(500));
  }

  @Test
  void overrunningRunsNeverOverlapAndMissedTicksCoalesce(Vertx vertx) {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    List<Instant> due = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .timed("slow", Schedule.every(Duration.ofMillis(10)), run -> {
          maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          due.add(run.scheduledAt());
          Work.block(Duration.ofMillis(50));
          concurrent.decrementAndGet();
        })
        .build();

    Await.result(host.start());
    long t0 = System.nanoTime();
    await().until(() -> due.size() >= 10);
    long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
    Await.result(host.stop());

    assertThat(maxConcurrent.get()).isEqualTo(1);
    // 10 runs of 50 ms take at least 450 ms: ticks were coalesced, not queued up and run back to back in a burst.
    assertThat(elapsedMs).isGreaterThanOrEqualTo(450);
    for (int k = 1; k < due.size(); k++) {
      long gap = Duration.between(due.get(k - 1), due.get(k)).toMillis();
      // Still on the 10 ms grid, never the same point twice. Where the next run falls depends on how late a loaded
      // machine delivers the ticks; TimedRunnerClockTest pins it down against the manual clock.
      assertThat(gap).isPositive();
      assertThat(gap % 10).isZero();
    }
    JsonObject details = Services.only(host, ServiceKind.TIMED).details();
    assertThat(details.getLong("runs")).isEqualTo((long) due.size());
    long coalesced = 0;
    for (int k = 1; k < due.size(); k++) {
      coalesced += Duration.between(due.get(k - 1), due.get(k)).toMillis() / 10 - 1;   // grid points with no run
    }
    assertThat(details.getLong("skipped")).isGreaterThanOrEqualTo(coalesced).isPositive();
  }

  @Test
  void fixedDelayWaitsAfterEachRunEnds(Vertx vertx) {
    List<long[]> spans = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .timed("delay", Schedule.fixedDelay(Duration.ofMillis(50)), run -> {
          long s = System.nanoTime();
          Work.block(Duration.ofMillis(30));
          spans.add(new long[] {s, System.nanoTime()});
        })
        .build();

    Await.result(host.start());
    await().until(() -> spans.size() >= 5);
    Await.result(host.stop());

    for (int k = 1; k < spans.size(); k++) {
      long pauseMs = (spans.get(k)[0] - spans.get(k - 1)[1]) / 1_000_000;
      assertThat(pauseMs).isGreaterThanOrEqualTo(49);
    }
  }

  @Test
  void maxConcurrentRunsTwoOverlapsAtMostTwo(Vertx vertx) {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .timed("wide", run -> {
          maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          Work.block(Duration.ofMillis(100));
          concurrent.decrementAndGet();
          runs.incrementAndGet();
        }, o -> o.schedule(Schedule.every(Duration.ofMillis(10))).maxConcurrentRuns(2))
        .build();

    Await.result(host.start());
    await().until(() -> runs.get() >= 6);
    Await.result(host.stop());

    assertThat(maxConcurrent.get()).isEqualTo(2);
    assertThat(Services.only(host, ServiceKind.TIMED).details().getLong("skipped")).isPositive();
  }

  @Test
  void perRunTimeoutCancelsTheTokenAndIsRecorded(Vertx vertx) {
    List<String> reasons = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .timed("bounded", (RunContext run) -> {
          run.token().sleep(Duration.ofSeconds(30));
          reasons.add(run.token().reason());
        }, o -> o.schedule(Schedule.every(Duration.ofHours(1))).timeout(Duration.ofMillis(100)))
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> Services.only(host, ServiceKind.TIMED).details().getLong("timeouts") == 1);
      Await.result(host.stop());

      assertThat(reasons).containsExactly("timeout");
      JsonObject details = Services.only(host, ServiceKind.TIMED).details();
      assertThat(details.getString("lastOutcome")).isEqualTo("timed-out");
      assertThat(details.getString("lastError")).contains("timed out after 100ms");
      assertThat(log.text()).contains("Timed service 'bounded' run #1 timed out after 100ms");
    }
  }

  @Test
  void aFailingRunIsRecordedAndTheScheduleGoesOn(Vertx vertx) {
    AtomicInteger calls = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .timed("flaky", Schedule.every(Duration.ofMillis(20)), run -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("first run breaks");
          }
        })
        .build();

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      await().until(() -> calls.get() >= 4);
      Await.result(host.stop());

      JsonObject details = Services.only(host, ServiceKind.TIMED).details();
      assertThat(details.getLong("failures")).isEqualTo(1);
      assertThat(details.getString("lastError")).isEqualTo("first run breaks");
      assertThat(Services.only(host, ServiceKind.TIMED).state()).isEqualTo(ServiceState.STOPPED);
      assertThat(host.exitCode()).isZero();
      assertThat(log.lines()).filteredOn(l -> l.contains("first run breaks")).hasSize(1);
      assertThat(log.text()).contains("Timed service 'flaky' run #1 failed: first run breaks");
    }
  }

  @Test
  void triggerRunsNowAndRefusesToOverlap(Vertx vertx) throws Exception {
    CountDownLatch inRun = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    Host host = Host.builder().vertx(vertx)
        .timed("nightly", (RunContext run) -> {
          runs.incrementAndGet();
          inRun.countDown();
          release.await(10, TimeUnit.SECONDS);
        }, o -> o.schedule(Schedule.every(Duration.ofHours(24))).initialDelay(Duration.ofHours(1)))
        .background("loop", token -> token.sleep(Duration.ofMinutes(1)))
        .build();
    Await.result(host.start());
    assertThat(Services.only(host, ServiceKind.TIMED).details().getString("nextRunAt")).isNotNull();

    Await.result(host.trigger("nightly"));
    assertThat(inRun.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(Services.only(host, ServiceKind.TIMED).details().getBoolean("running")).isTrue();

    assertThat(Await.failure(host.trigger("nightly"))).isInstanceOf(TriggerException.class)
        .hasMessageContaining("is running")
        .satisfies(e -> assertThat(((TriggerException) e).reason()).isEqualTo(TriggerException.Reason.RUNNING));
    assertThat(((TriggerException) Await.failure(host.trigger("nope"))).reason())
        .isEqualTo(TriggerException.Reason.UNKNOWN_SERVICE);
    assertThat(((TriggerException) Await.failure(host.trigger("loop"))).reason())
        .isEqualTo(TriggerException.Reason.NOT_TIMED);

    release.countDown();
    await().until(() -> !Services.only(host, ServiceKind.TIMED).details().getBoolean("running"));
    assertThat(runs.get()).isEqualTo(1);
    Await.result(host.stop());
  }

  @Test
  void stopCancelsARunningRunAndWaitsForIt(Vertx vertx) {
    List<String> reasons = new CopyOnWriteArrayList<>();
    CountDownLatch inRun = new CountDownLatch(1);
    Host host = Host.builder().vertx(vertx)
        .timed("long", Schedule.every(Duration.ofHours(1)), run -> {
          inRun.countDown();
          run.token().sleep(Duration.ofMinutes(1));
          reasons.add(run.token().reason());
        })
        .build();
    Await.result(host.start());
    await().until(() -> inRun.getCount() == 0);

    long t0 = System.nanoTime();
    Await.result(host.stop());

    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
    assertThat(reasons).containsExactly("shutdown");
    assertThat(host.exitCode()).isZero();
  }

  @Test
  void scheduleComesFromConfigAndABadOneNamesTheKey(Vertx vertx) {
    ConfigReader config = ConfigReader.of(new JsonObject().put("services",
        new JsonObject().put("report", new JsonObject().put("schedule", "cron 0 0 3 * * * zone=Europe/Paris"))));
    Host host = Host.builder().vertx(vertx).config(config)
        .timed("report", Schedule.every(Duration.ofSeconds(1)), run -> { })
        .build();
    config.rejectUnknownKeys();
    Await.result(host.start());
    assertThat(Services.only(host, ServiceKind.TIMED).details().getString("schedule")).isEqualTo("cron 0 0 3 * * * zone=Europe/Paris");
    Await.result(host.stop());

    ConfigReader bad = ConfigReader.of(new JsonObject().put("services",
        new JsonObject().put("report", new JsonObject().put("schedule", "every soon"))));
    assertThatThrownBy(() -> Host.builder().config(bad).timed("report", run -> { }, o -> { }).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config key 'services.report.schedule': ");

    assertThatThrownBy(() -> Host.builder().timed("none", run -> { }, o -> { }).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'services.none.schedule': is required");
  }

  @Test
  void eachRunHasItsOwnScopeClosedAfterSuccessAndFailure(Vertx vertx) {
    List<String> events = new CopyOnWriteArrayList<>();
    AtomicInteger ids = new AtomicInteger();
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(Resource.class, r -> new Resource(ids.incrementAndGet(), events))
        .build();
    AtomicInteger calls = new AtomicInteger();
    Host host = Host.builder().vertx(vertx).registry(registry)
        .timed("scoped", Schedule.every(Duration.ofMillis(20)), run -> {
          Resource a = run.scope().get(Resource.class);
          assertThat(run.scope().get(Resource.class)).isSameAs(a);
          events.add("use:" + a.id);
          if (calls.incrementAndGet() == 2) {
            throw new IllegalStateException("second run fails");
          }
        })
        .build();

    Await.result(host.start());
    await().until(() -> events.size() >= 6);
    Await.result(host.stop());

    assertThat(events.subList(0, 6)).containsExactly("use:1", "close:1", "use:2", "close:2", "use:3", "close:3");
  }

  @Test
  void aRunsScopeIsClosedOnTheThreadThatRanItNeverOnAnEventLoop(Vertx vertx) {
    List<Thread> ranOn = new CopyOnWriteArrayList<>();
    List<Thread> closedOn = new CopyOnWriteArrayList<>();
    List<Boolean> closedOnEventLoop = new CopyOnWriteArrayList<>();
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(AutoCloseable.class, r -> () -> {
          closedOn.add(Thread.currentThread());
          closedOnEventLoop.add(Context.isOnEventLoopThread());
        })
        .build();
    Host host = Host.builder().vertx(vertx).registry(registry)
        .timed("closer", Schedule.every(Duration.ofHours(1)), run -> {
          run.scope().get(AutoCloseable.class);
          ranOn.add(Thread.currentThread());
        })
        .build();

    Await.result(host.start());
    await().until(() -> !closedOn.isEmpty());
    Await.result(host.stop());

    assertThat(closedOnEventLoop).containsExactly(false);
    assertThat(closedOn.get(0).getName()).doesNotStartWith("vert.x-eventloop");
    assertThat(closedOn).containsExactlyElementsOf(ranOn);
  }

  @Test
  void runOnStartRunsAtOnceThenTheInitialDelayAnchorsTheGrid(Vertx vertx) {
    List<RunContext> runs = new CopyOnWriteArrayList<>();
    Instant before = Instant.now();
    Host host = Host.builder().vertx(vertx)
        .timed("warm", runs::add, o -> o.schedule(Schedule.every(Duration.ofMillis(100)))
            .initialDelay(Duration.ofMillis(300)).runOnStart(true))
        .build();

    Await.result(host.start());
    await().until(() -> runs.size() >= 3);
    Await.result(host.stop());

    assertThat(Duration.between(before, runs.get(0).scheduledAt())).isLessThan(Duration.ofMillis(200));
    Duration firstScheduled = Duration.between(runs.get(0).scheduledAt(), runs.get(1).scheduledAt());
    assertThat(firstScheduled).isBetween(Duration.ofMillis(290), Duration.ofMillis(400));
    assertThat(Duration.between(runs.get(1).scheduledAt(), runs.get(2).scheduledAt())).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void jitterDelaysEachRunByUpToItsAmountButKeepsTheGrid(Vertx vertx) {
    List<Long> lateness = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .timed("fleet", run -> lateness.add(Duration.between(run.scheduledAt(), Instant.now()).toMillis()),
            o -> o.schedule(Schedule.every(Duration.ofMillis(60))).jitter(Duration.ofMillis(40)))
        .build();

    Await.result(host.start());
    await().until(() -> lateness.size() >= 8);
    Await.result(host.stop());

    // The bound (at most 40 ms after the grid point) is the clock-driven test's: a loaded machine adds its own delay.
    assertThat(lateness).allSatisfy(ms -> assertThat(ms).isNotNegative());
    assertThat(lateness.stream().mapToLong(Long::longValue).max().orElse(0)).isGreaterThan(5);
  }

  /**
   * Issue 11's "timed-service misfire runs once after downtime", through a real host: the ledger (a host feature, as
   * the store module provides it) says the hourly run was due three hours ago; the service runs once at start, for
   * the first missed instant, and plans the next point of its old grid. Then a pause survives the next start.
   */
  @Test
  void misfireRunsOnceAfterDowntimeAndAPauseSurvivesARestart(Vertx vertx) {
    Instant missed = Instant.now().minus(Duration.ofHours(3)).plus(Duration.ofMinutes(1));
    MemoryRunLedger ledger = new MemoryRunLedger()
        .seed("hourly", new RunLedger.Entry(missed.minus(Duration.ofHours(1)), missed, false));
    List<RunContext> runs = new CopyOnWriteArrayList<>();
    Host first = Host.builder().vertx(vertx).module(m -> m.provide(RunLedger.class, ledger))
        .timed("hourly", Schedule.every(Duration.ofHours(1)), runs::add)
        .build();

    Await.result(first.start());
    await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 1
        && !Services.named(first, "hourly").details().getBoolean("running"));
    assertThat(runs.get(0).scheduledAt()).isEqualTo(missed);
    JsonObject details = Services.named(first, "hourly").details();
    assertThat(details.getLong("runs")).isEqualTo(1);
    assertThat(details.getLong("skipped")).isEqualTo(2);   // the two later hours missed, coalesced
    Instant next = missed.plus(Duration.ofHours(3));
    assertThat(details.getString("nextRunAt")).isEqualTo(io.berth.core.internal.Instants.iso(next));
    await().atMost(Duration.ofSeconds(10)).until(() -> next.equals(ledger.entry("hourly").nextRunAt()));

    Await.result(first.core().pause("hourly", true));
    assertThat(ledger.entry("hourly").paused()).isTrue();
    Await.result(first.stop());

    Host second = Host.builder().vertx(vertx).module(m -> m.provide(RunLedger.class, ledger))
        .timed("hourly", Schedule.every(Duration.ofHours(1)), runs::add)
        .build();
    Await.result(second.start());
    JsonObject after = Services.named(second, "hourly").details();
    assertThat(after.getBoolean("paused")).isTrue();
    assertThat(after.getString("nextRunAt")).isNull();
    assertThat(after.getLong("runs")).isZero();
    Await.result(second.core().pause("hourly", false));
    await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 2);   // every: a resume runs at once
    Await.result(second.stop());
    assertThat(ledger.entry("hourly").paused()).isFalse();
  }

  @Test
  void pauseNamesWhatItCannotPause(Vertx vertx) {
    Host host = Host.builder().vertx(vertx)
        .timed("nightly", Schedule.every(Duration.ofHours(24)), run -> { })
        .background("loop", token -> token.sleep(Duration.ofMinutes(1)))
        .build();
    Await.result(host.start());
    assertThat(((TriggerException) Await.failure(host.core().pause("nope", true))).reason())
        .isEqualTo(TriggerException.Reason.UNKNOWN_SERVICE);
    assertThat(((TriggerException) Await.failure(host.core().pause("loop", true))).reason())
        .isEqualTo(TriggerException.Reason.NOT_TIMED);
    Await.result(host.core().pause("nightly", true));   // without a ledger it holds until the host stops
    assertThat(Services.named(host, "nightly").details().getBoolean("paused")).isTrue();
    Await.result(host.stop());
    assertThat(((TriggerException) Await.failure(host.core().pause("nightly", false))).reason())
        .isEqualTo(TriggerException.Reason.NOT_RUNNING);
  }

  @Test
  void misfireComesFromConfigAndABadOneNamesTheKey(Vertx vertx) {
    ConfigReader config = ConfigReader.of(new JsonObject().put("services",
        new JsonObject().put("report", new JsonObject().put("misfire", "skip"))));
    Host host = Host.builder().vertx(vertx).config(config)
        .timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .build();
    config.rejectUnknownKeys();
    Await.result(host.start());
    assertThat(Services.named(host, "report").details().getString("misfire")).isEqualTo("skip");
    Await.result(host.stop());

    ConfigReader bad = ConfigReader.of(new JsonObject().put("services",
        new JsonObject().put("report", new JsonObject().put("misfire", "burst"))));
    assertThatThrownBy(() -> Host.builder().config(bad).timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .build())
        .isInstanceOf(ConfigException.class)
        .hasMessage("config key 'services.report.misfire': must be one of runOnce, skip, not \"burst\"");
  }

  record Resource(int id, List<String> events) implements AutoCloseable {
    @Override
    public void close() {
      events.add("close:" + id);
    }
  }
}
