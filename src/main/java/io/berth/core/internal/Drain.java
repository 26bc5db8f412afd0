package io.berth.core.internal;

import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The graceful stop of running work, shared by the queues and fire-and-forget: wait for the work to end within the
 * budget less a grace, then cancel what still runs and give it the grace to return. Fails with
 * {@link StopTimeoutException} when something still runs after the grace.
 */
public final class Drain {

  /** The longest grace between cancelling the tokens and giving up. */
  static final long MAX_GRACE_MS = 1000;

  private Drain() {
  }

  /**
   * @param drained   completes when nothing runs any more
   * @param budget    what is left of the shutdown deadline
   * @param cancel    cancels what still runs, and returns how it names it (for the log and the failure)
   * @param stillRunning how many units still run (for the failure)
   * @param what         what runs, in plural, as the log names it ({@code "queue 'mail': items"})
   */
  public static Future<Void> thenCancel(Future<Void> drained, Duration budget, Supplier<String> cancel,
                                        Supplier<Integer> stillRunning, String what) {
    long grace = Math.min(MAX_GRACE_MS, budget.toMillis() / 5);
    long wait = Math.max(1, budget.toMillis() - grace);
    return drained.timeout(wait, TimeUnit.MILLISECONDS).recover(e -> {
      if (drained.isComplete()) {
        return drained;
      }
      String cancelled = cancel.get();
      org.slf4j.LoggerFactory.getLogger(Drain.class).warn("{}: still running after {}ms; their tokens are cancelled: {}",
          what, wait, cancelled);
      return drained.timeout(Math.max(1, grace), TimeUnit.MILLISECONDS).recover(e2 -> drained.isComplete()
          ? drained
          : Future.failedFuture(new StopTimeoutException(stillRunning.get() + " " + what
              + " did not return within " + grace + "ms of their tokens being cancelled")));
    });
  }
}
