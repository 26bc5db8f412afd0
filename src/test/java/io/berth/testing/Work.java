package io.berth.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/** Simulated synchronous work for tests: holds the calling thread, ignoring interrupts and cancellation. */
public final class Work {
  private Work() {
  }

  /** Keeps the calling thread busy (parked, not sleeping on a token) for {@code d}. */
  public static void block(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }
}
