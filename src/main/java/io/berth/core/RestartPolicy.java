package io.berth.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How {@link io.berth.service.ExceptionPolicy#RESTART} backs off: the n-th consecutive crash waits
 * {@code initialBackoff · 2^(n-1)}, capped at {@code maxBackoff}, with up to 20% jitter; more than
 * {@code maxCrashes} crashes within {@code window} stops the host instead.
 */
public record RestartPolicy(Duration initialBackoff, Duration maxBackoff, int maxCrashes, Duration window) {

  /** 1 s up to 60 s; more than 5 crashes in 10 minutes stops the host. */
  public static final RestartPolicy DEFAULT =
      new RestartPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 5, Duration.ofMinutes(10));

  /** The wait before restart number {@code attempt} (1-based). */
  Duration backoff(int attempt) {
    long base = initialBackoff.toMillis();
    long capped = Math.min(maxBackoff.toMillis(), base << Math.min(attempt - 1, 30));
    long jitter = (long) (capped * 0.2 * ThreadLocalRandom.current().nextDouble());
    return Duration.ofMillis(Math.min(maxBackoff.toMillis(), capped + jitter));
  }
}
