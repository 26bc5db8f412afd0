package io.berth.core.internal;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The graceful stop of running work, shared by the queues and fire-and-forget: wait for the work to end within the
 * budget less a grace, then cancel what still runs and give it the grace to return. Fails with
 * {@link StopTimeoutException} when something still runs after the grace.
 */
public final class Drain {

  private static final Logger log = LoggerFactory.getLogger(Drain.class);
  /** The longest grace between cancelling the tokens and giving up. */
  static final long MAX_GRACE_MS = 1000;

  private Drain() {
  }

  /**
   * @param drained      completes when nothing runs any more (from any thread)
   * @param budget       what is left of the shutdown deadline
   * @param cancel       cancels what still runs, and returns how it names it (for the log)
   * @param stillRunning how many units still run (for the log and the failure)
   * @param what         who runs what, as the log names it ({@code "Queue 'mail': item(s)"})
   * @return completes (on whichever thread completed {@code drained}, or a timer's) once drained, or fails with
   *     {@link StopTimeoutException} when the work still runs after the grace; each log line is written once
   */
  public static Future<Void> thenCancel(Future<Void> drained, Duration budget, Supplier<String> cancel,
                                        IntSupplier stillRunning, String what) {
    long grace = Math.min(MAX_GRACE_MS, Math.max(0, budget.toMillis()) / 5);
    long wait = Math.max(1, budget.toMillis() - grace);
    if (drained.isComplete()) {
      return drained;
    }
    return drained.timeout(wait, TimeUnit.MILLISECONDS).recover(e -> {
      if (drained.isComplete()) {
        return drained;
      }
      int n = stillRunning.getAsInt();
      String cancelled = cancel.get();
      log.warn("{} still running after {}ms ({}); their tokens are cancelled: {}", what, wait, n, cancelled);
      return drained.timeout(Math.max(1, grace), TimeUnit.MILLISECONDS).recover(e2 -> drained.isComplete()
          ? drained
          : Future.failedFuture(new StopTimeoutException(what + " did not return within " + Math.max(1, grace)
              + "ms of their tokens being cancelled (" + stillRunning.getAsInt() + " still running)")));
    });
  }
}
