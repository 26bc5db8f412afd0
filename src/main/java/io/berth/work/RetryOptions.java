package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;

import java.time.Duration;

/**
 * How a queue (or one type of it) retries a failed item, from config {@code queues.<name>.retry} or
 * {@code queues.<name>.types.<type>.retry}: {@code maxAttempts} (10, the first run included; 1 = never retry),
 * {@code initial} (1s) and {@code max} (1h) of an exponential backoff with jitter: attempt {@code n} failed, the
 * item waits between half and all of {@code min(max, initial * 2^(n-1))}.
 */
public final class RetryOptions {

  private int maxAttempts = 10;
  private Duration initial = Duration.ofSeconds(1);
  private Duration max = Duration.ofHours(1);

  public RetryOptions() {
  }

  /** A copy, for a type that overrides some of its queue's settings. */
  RetryOptions copy() {
    return new RetryOptions().maxAttempts(maxAttempts).backoff(initial, max);
  }

  /** Overrides these options with the keys set in {@code section}, validating each. */
  public RetryOptions read(ConfigReader section) {
    section.declare("maxAttempts", "initial", "max");
    int attempts = section.integer("maxAttempts", maxAttempts, 1, 1000);
    Duration first = section.duration("initial", initial, Duration.ofMillis(1));
    Duration most = section.duration("max", max, Duration.ofMillis(1));
    if (most.compareTo(first) < 0) {
      throw new ConfigException(section.key("max"), "must be at least retry.initial (" + first.toMillis() + "ms), not "
          + most.toMillis() + "ms");
    }
    return maxAttempts(attempts).backoff(first, most);
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  /** The most runs of an item, the first included; 1 never retries. */
  public RetryOptions maxAttempts(int maxAttempts) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    return this;
  }

  public Duration initial() {
    return initial;
  }

  public Duration max() {
    return max;
  }

  /** The backoff's first wait and its cap; both positive, {@code max >= initial}. */
  public RetryOptions backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < initial <= max, not " + initial + " and " + max);
    }
    this.initial = initial;
    this.max = max;
    return this;
  }

  /**
   * The wait after failed attempt {@code attempt} (1 for the first run), given {@code random} in [0, 1): between half
   * and all of {@code min(max, initial * 2^(attempt-1))}. Deterministic, for tests.
   */
  public Duration backoff(int attempt, double random) {
    long cap = max.toMillis();
    long d = initial.toMillis();
    for (int i = 1; i < attempt && d < cap; i++) {
      d *= 2;
    }
    d = Math.min(d, cap);
    long half = d / 2;
    return Duration.ofMillis(half + (long) ((d - half) * Math.min(Math.max(random, 0), 1)));
  }
}
