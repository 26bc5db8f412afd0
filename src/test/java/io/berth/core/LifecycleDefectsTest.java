package io.berth.core;

import io.berth.host.Host;
import io.berth.service.CancellationToken;
import io.berth.service.HostState;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.testing.Recorder;
import io.berth.testing.Services;
import io.berth.testing.Work;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The lifecycle defects found against the .NET host's own tests, each shown by a test. */
@ExtendWith(VertxExtension.class)
class LifecycleDefectsTest {

  /** Defect 1 (.NET StopAsyncThrowsIfCancellationCallbackThrows): a throwing callback never aborts the stop. */
  @Test
  void aCancellationCallbackThatThrowsDoesNotAbortTheStop(Vertx vertx) throws InterruptedException {
    AtomicBoolean secondCallbackRan = new AtomicBoolean();
    java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
    Host host = Host.builder().vertx(vertx)
        .background("loop", (CancellationToken token) -> {
          token.onCancel(() -> {
            throw new IllegalStateException("callback boom");
          });
          token.onCancel(() -> secondCallbackRan.set(true));
          registered.countDown();
          token.future().toCompletionStage().toCompletableFuture().join();
        })
        .build();
    Await.result(host.start());
    // The loop runs on its own thread: a stop before it registered would cancel first, and the first callback,
    // run at once on an already cancelled token, would throw out of the loop's second registration.
    assertThat(registered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    host.shutdownToken().onCancel(() -> {
      throw new IllegalStateException("host callback boom");
    });

    try (LogCapture log = LogCapture.start()) {
      Await.result(host.stop(), 10);

      assertThat(host.lifetime().state()).isEqualTo(HostState.STOPPED);
      assertThat(secondCallbackRan).isTrue();
      assertThat(host.exitCode()).isEqualTo(1);
      assertThat(log.text()).contains("host callback boom").contains("callback boom");
    }
  }

  /** Defect 2: each service's token is cancelled when its own turn to stop comes, in reverse order. */
  @Test
  void aBackgroundLoopRegisteredFirstStopsAfterTheServicesRegisteredAfterIt(Vertx vertx) {
    Recorder rec = new Recorder();
    Host host = Host.builder().vertx(vertx)
        .background("loop", (CancellationToken token) -> {
          token.future().toCompletionStage().toCompletableFuture().join();
          rec.add("loop cancelled");
        })
        .service("later", new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) {
            return Future.succeededFuture();
          }

          @Override
          public Future<Void> stop(ServiceContext context) {
            rec.add("later stopped");
            return Future.succeededFuture();
          }
        })
        .build();
    Await.result(host.start());
    AtomicBoolean hostTokenCancelledFirst = new AtomicBoolean();
    host.shutdownToken().onCancel(() -> hostTokenCancelledFirst.set(rec.events().isEmpty()));

    Await.result(host.stop());

    assertThat(rec.events()).containsExactly("later stopped", "loop cancelled");
    assertThat(hostTokenCancelledFirst).as("the host-wide token is the early signal").isTrue();
  }

  /** Defect 3: the original exception is the cause of the start failure. */
  @Test
  void aBackgroundServiceThatThrowsDuringTheStartIsTheCauseOfTheStartFailure(Vertx vertx) {
    IllegalStateException boom = new IllegalStateException("boom");
    CountDownLatch crashed = new CountDownLatch(1);
    Host host = Host.builder().vertx(vertx)
        .background("crasher", (CancellationToken token) -> {
          crashed.countDown();
          throw boom;
        })
        .service("slow", new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) throws Exception {
            crashed.await(5, TimeUnit.SECONDS);
            Work.block(Duration.ofMillis(200));   // the crash reaches the host while this one starts
            return Future.succeededFuture();
          }
        })
        .build();

    Throwable failure = Await.failure(host.run());

    assertThat(failure).isInstanceOf(HostStartException.class).hasCause(boom);
    assertThat(((HostStartException) failure).service()).isEqualTo("crasher");
    assertThat(host.exitCode()).isEqualTo(1);
    assertThat(Services.named(host, "crasher").state()).isEqualTo(ServiceState.FAILED);
  }

  /** Defect 3: with a concurrent start every failure is kept, each on its service. */
  @Test
  void everyFailureOfAConcurrentStartIsKept(Vertx vertx) {
    RuntimeException a = new IllegalStateException("a failed");
    RuntimeException b = new IllegalArgumentException("b failed");
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().servicesStartConcurrently(true))
        .service("a", ctx -> Future.failedFuture(a))
        .service("b", ctx -> Future.failedFuture(b))
        .service("c", ctx -> Future.succeededFuture())
        .build();

    HostStartException failure = (HostStartException) Await.failure(host.start());

    assertThat(failure.failures()).hasSize(2);
    assertThat(failure.failures()).extracting(Throwable::getCause).containsExactlyInAnyOrder(a, b);
    assertThat(Services.named(host, "a").error()).contains("a failed");
    assertThat(Services.named(host, "b").error()).contains("b failed");
  }

  /** Defect 3: a service that throws after its token was cancelled failed; it did not simply stop. */
  @Test
  void aLoopThatThrowsAfterItsTokenWasCancelledIsRecordedAsFailed(Vertx vertx) {
    Host host = Host.builder().vertx(vertx)
        .background("thrower", (CancellationToken token) -> {
          token.future().toCompletionStage().toCompletableFuture().join();
          throw new IllegalStateException("failed while stopping");
        })
        .build();
    Await.result(host.start());

    Await.result(host.stop());

    ServiceInfo thrower = Services.named(host, "thrower");
    assertThat(thrower.state()).isEqualTo(ServiceState.FAILED);
    assertThat(thrower.error()).contains("failed while stopping");
    assertThat(host.exitCode()).isEqualTo(1);
  }

  /** Defect 4: with servicesStartConcurrently, the started hooks run together. */
  @Test
  void startedHooksRunTogetherWhenServicesStartConcurrently(Vertx vertx) {
    CountDownLatch bothInStarted = new CountDownLatch(2);
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().servicesStartConcurrently(true).startTimeout(Duration.ofSeconds(5)))
        .service("a", waitsForTheOtherInStarted(bothInStarted))
        .service("b", waitsForTheOtherInStarted(bothInStarted))
        .build();

    Await.result(host.start(), 10);   // one after another, each hook would wait for the other until its timeout

    Await.result(host.stop());
  }

  private static HostedService waitsForTheOtherInStarted(CountDownLatch both) {
    return new HostedService() {
      @Override
      public Future<Void> start(ServiceContext context) {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> started(ServiceContext context) throws Exception {
        both.countDown();
        return both.await(4, TimeUnit.SECONDS) ? Future.succeededFuture()
            : Future.failedFuture("the other service's started hook did not run meanwhile");
      }
    };
  }

  /**
   * Defect 6: the whole stop ends within the timeout plus {@link HostCore#STOP_MARGIN}; the log names what was cut
   * and why, and nothing that was not cut.
   */
  @Test
  void aStopThatBlocksIsCutAtTheDeadlineAndTheLogSaysExactlyWhy(Vertx vertx) {
    Duration timeout = Duration.ofMillis(1500);
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().shutdownTimeout(timeout))
        .background("ignorer", (CancellationToken token) -> Work.block(Duration.ofSeconds(30)))
        .service("sleeper", new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) {
            return Future.succeededFuture();
          }

          @Override
          public Future<Void> stop(ServiceContext context) {
            Work.block(Duration.ofSeconds(5));
            return Future.succeededFuture();
          }
        })
        .build();
    Await.result(host.start());

    try (LogCapture log = LogCapture.start()) {
      long t0 = System.nanoTime();
      Await.result(host.stop(), 10);
      long ms = (System.nanoTime() - t0) / 1_000_000;

      assertThat(ms).isGreaterThanOrEqualTo(timeout.toMillis());
      // The bound itself; the generous slack only absorbs a loaded machine's scheduling, not a design margin.
      assertThat(ms).isLessThan(timeout.plus(HostCore.STOP_MARGIN).toMillis() + 700);
      assertThat(log.text())
          .containsPattern("Service 'sleeper' did not stop within its share of the shutdown timeout \\(1[45]\\d\\dms left of"
              + " 1500ms\\) and was cut short: its stop did not return")
          .contains("Service 'ignorer' did not stop within its share of the shutdown timeout (none of the 1500ms was"
              + " left when its turn came)")
          .doesNotContain("within 0ms")
          .doesNotContain("Closing singletons after stop did not finish")
          .doesNotContain("after-stop");
      assertThat(host.exitCode()).isEqualTo(1);
    }
  }

  /** Defect 7: {@code stopping} fires first; a service's token is cancelled only when its turn comes. */
  @Test
  void stoppingFiresBeforeAnyServiceTokenIsCancelled(Vertx vertx) {
    AtomicReference<CancellationToken> serviceToken = new AtomicReference<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    Host host = Host.builder().vertx(vertx)
        .service("s", new HostedService() {
          @Override
          public Future<Void> start(ServiceContext context) {
            serviceToken.set(context.cancellation());
            context.lifetime().stopping().onComplete(ar -> seen.add("stopping; service token cancelled: "
                + context.cancellation().isCancellationRequested() + "; host token cancelled: "
                + context.lifetime().stoppingToken().isCancellationRequested()));
            return Future.succeededFuture();
          }

          @Override
          public Future<Void> stop(ServiceContext context) {
            seen.add("stop; service token cancelled: " + context.cancellation().isCancellationRequested());
            return Future.succeededFuture();
          }
        })
        .build();
    Await.result(host.start());

    Await.result(host.stop());

    assertThat(seen).containsExactly(
        "stopping; service token cancelled: false; host token cancelled: false",
        "stop; service token cancelled: true");
    assertThat(serviceToken.get().reason()).isEqualTo("shutdown");
  }

  /** Defect 11: a loop that returns after the host (and its Vert.x) stopped ends quietly. */
  @Test
  void aLoopThatOutlivesTheHostEndsWithoutAnUncaughtException() throws Exception {
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> loopThread = new AtomicReference<>();
    try {
      Host host = Host.builder()   // owns its Vert.x, and closes it at the end of the stop
          .options(new HostOptions().shutdownTimeout(Duration.ofMillis(300)))
          .background("outliver", (CancellationToken token) -> {
            loopThread.set(Thread.currentThread());
            while (true) {
              try {
                release.await();
                return;
              } catch (InterruptedException ignored) {
                // deaf to the interrupt of the cut-short stop, too
              }
            }
          })
          .build();
      Await.result(host.start());
      await().until(() -> loopThread.get() != null);
      Await.result(host.stop(), 10);

      release.countDown();
      loopThread.get().join(5000);

      assertThat(loopThread.get().isAlive()).isFalse();
      assertThat(uncaught).isEmpty();
    } finally {
      release.countDown();
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }

  /** The start timeout also cancels the service's token, so a start that waits on it can end. */
  @Test
  void aStartThatTimesOutHasItsTokenCancelled(Vertx vertx) {
    AtomicReference<String> reason = new AtomicReference<>();
    Host host = Host.builder().vertx(vertx)
        .service((HostedService) ctx -> {
          ctx.cancellation().future().toCompletionStage().toCompletableFuture().join();
          reason.set(ctx.cancellation().reason());
          return Future.succeededFuture();
        }, o -> o.name("stuck").startTimeout(Duration.ofMillis(200)))
        .build();

    assertThat(Await.failure(host.start())).isInstanceOf(HostStartException.class);
    await().untilAsserted(() -> assertThat(reason.get()).isEqualTo("start-timeout"));
  }
}
