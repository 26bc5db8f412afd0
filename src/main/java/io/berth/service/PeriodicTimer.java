package io.berth.service;

import java.time.Duration;

/**
 * A fixed-rate tick for background loops, like .NET's {@code PeriodicTimer}: ticks fall on a grid anchored at
 * creation, a tick missed while the loop was busy is delivered once (never a burst), and waiting ends early when
 * the token is cancelled.
 *
 * <pre>{@code
 * PeriodicTimer timer = new PeriodicTimer(Duration.ofSeconds(1));
 * while (timer.waitForNextTick(token)) {
 *   doWork();
 * }
 * }</pre>
 */
public final class PeriodicTimer {

  private final long periodNanos;
  private long next;

  public PeriodicTimer(Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    this.periodNanos = period.toNanos();
    this.next = System.nanoTime() + periodNanos;
  }

  /**
   * Blocks the calling (worker or virtual) thread until the next tick.
   *
   * @return true on a tick, false when {@code token} was cancelled
   */
  public boolean waitForNextTick(CancellationToken token) {
    long now = System.nanoTime();
    long wait = next - now;
    if (wait > 0 && !token.sleep(Duration.ofNanos(wait))) {
      return false;
    }
    if (token.isCancellationRequested()) {
      return false;
    }
    now = System.nanoTime();
    // Skip every tick already missed: the loop gets one tick now, then the grid goes on.
    long missed = Math.max(0, (now - next) / periodNanos);
    next += (missed + 1) * periodNanos;
    return true;
  }
}
