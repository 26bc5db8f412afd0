package io.berth.work;

import io.berth.config.ConfigReader;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one named queue, with their defaults. Config keys under {@code queues.<name>}: {@code capacity}
 * (100: the most items admitted and not yet finished, queued or running), {@code fullMode} ({@code wait} or
 * {@code reject}), {@code enqueueTimeout} (5s, how long a {@code wait} enqueue may wait for room),
 * {@code concurrency} (4 items at once), {@code timeout} (0s = none; per item, cancels its token),
 * {@code statusRetention} (10000 finished items kept for status queries), {@code retry} ({@link RetryOptions}) and
 * {@code types.<type>.retry} (a type's own retry settings, over the queue's).
 */
public final class QueueOptions {

  private final String name;
  private int capacity = 100;
  private FullMode fullMode = FullMode.WAIT;
  private Duration enqueueTimeout = Duration.ofSeconds(5);
  private int concurrency = 4;
  private Duration timeout = Duration.ZERO;
  private int statusRetention = 10_000;
  private RetryOptions retry = new RetryOptions();
  private final Map<String, RetryOptions> typeRetry = new HashMap<>();

  public QueueOptions(String name) {
    if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("a queue name must be letters, digits, '.', '_' or '-', not '" + name + "'");
    }
    this.name = name;
  }

  /** Overrides these options with the keys set in {@code section} ({@code queues.<name>}), validating each. */
  public QueueOptions read(ConfigReader section) {
    capacity = section.integer("capacity", capacity, 1, 10_000_000);
    fullMode = section.choice("fullMode", fullMode, FullMode.class, FullMode::label);
    enqueueTimeout = section.duration("enqueueTimeout", enqueueTimeout, Duration.ofMillis(1));
    concurrency = section.integer("concurrency", concurrency, 1, 1024);
    timeout = section.duration("timeout", timeout, Duration.ZERO);
    statusRetention = section.integer("statusRetention", statusRetention, 0, 10_000_000);
    if (section.has("retry")) {
      retry.read(section.section("retry"));
    }
    if (section.has("types")) {
      ConfigReader types = section.section("types");
      for (String type : types.names()) {
        ConfigReader t = types.section(type);
        if (t.has("retry")) {
          typeRetry.put(type, typeRetry.getOrDefault(type, retry.copy()).read(t.section("retry")));
        }
      }
    }
    return this;
  }

  public String name() {
    return name;
  }

  public int capacity() {
    return capacity;
  }

  /** The most items admitted and not yet finished (queued or running); at least 1. */
  public QueueOptions capacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
    return this;
  }

  public FullMode fullMode() {
    return fullMode;
  }

  public QueueOptions fullMode(FullMode fullMode) {
    this.fullMode = Objects.requireNonNull(fullMode);
    return this;
  }

  public Duration enqueueTimeout() {
    return enqueueTimeout;
  }

  /** How long a {@link FullMode#WAIT} enqueue may wait for room before it fails with {@code enqueue_timeout}. */
  public QueueOptions enqueueTimeout(Duration enqueueTimeout) {
    if (enqueueTimeout.isNegative() || enqueueTimeout.isZero()) {
      throw new IllegalArgumentException("enqueueTimeout must be positive");
    }
    this.enqueueTimeout = enqueueTimeout;
    return this;
  }

  public int concurrency() {
    return concurrency;
  }

  /** How many items run at once (one worker verticle each). */
  public QueueOptions concurrency(int concurrency) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
    }
    this.concurrency = concurrency;
    return this;
  }

  /** The per-item timeout; {@link Duration#ZERO} means none. */
  public Duration timeout() {
    return timeout;
  }

  public QueueOptions timeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative");
    }
    this.timeout = timeout;
    return this;
  }

  public int statusRetention() {
    return statusRetention;
  }

  /** How many finished items keep their status for {@link WorkQueue#status(String)}. */
  public QueueOptions statusRetention(int statusRetention) {
    if (statusRetention < 0) {
      throw new IllegalArgumentException("statusRetention must not be negative");
    }
    this.statusRetention = statusRetention;
    return this;
  }

  /** The queue's retry settings (its types' unless a type has its own). */
  public RetryOptions retry() {
    return retry;
  }

  public QueueOptions retry(RetryOptions retry) {
    this.retry = Objects.requireNonNull(retry);
    return this;
  }

  /** The retry settings of {@code type}: its own, else the queue's. */
  public RetryOptions retry(String type) {
    RetryOptions own = typeRetry.get(type);
    return own == null ? retry : own;
  }

  /** Gives {@code type} retry settings of its own. */
  public QueueOptions retry(String type, RetryOptions retry) {
    typeRetry.put(Objects.requireNonNull(type), Objects.requireNonNull(retry));
    return this;
  }
}
