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
 * {@code statusRetention} (10000 finished items kept for status queries), {@code retry} ({@link RetryOptions}),
 * {@code types.<type>.retry} (a type's own retry settings, over the queue's), {@code types.<type>.concurrency} (the
 * most items of that type running at once; none by default), {@code maxBytes} (0 = only the host-wide
 * {@code work.maxBytes}: the most payload bytes the queue holds in memory at once), {@code uniqueWindow} (0s: how long
 * after an item with a unique key finished a second enqueue with that key still returns the first item) and
 * {@code retention.time} (7d) / {@code retention.count} (10000): how long and how many finished items the durable
 * store keeps (dead letters stay until retried or deleted).
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
  private final Map<String, Integer> typeConcurrency = new HashMap<>();
  private long maxBytes;
  private Duration uniqueWindow = Duration.ZERO;
  private Duration retentionTime = Duration.ofDays(7);
  private int retentionCount = 10_000;

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
    maxBytes = section.bytes("maxBytes", maxBytes, 0, Long.MAX_VALUE / 4);
    uniqueWindow = section.duration("uniqueWindow", uniqueWindow, Duration.ZERO);
    if (section.has("retention")) {
      ConfigReader r = section.section("retention");
      retentionTime = r.duration("time", retentionTime, Duration.ZERO);
      retentionCount = r.integer("count", retentionCount, 0, 100_000_000);
    }
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
        if (t.has("concurrency")) {
          typeConcurrency.put(type, t.integer("concurrency", 1, 1, 1024));
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

  /** The most items of {@code type} running at once; 0 when the type has no limit of its own (the queue's applies). */
  public int concurrency(String type) {
    return typeConcurrency.getOrDefault(type, 0);
  }

  /**
   * Limits {@code type} to {@code limit} items running at once, so a slow type cannot take every worker; items of
   * other types keep starting while it is at its limit.
   */
  public QueueOptions concurrency(String type, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the concurrency of type '" + type + "' must be at least 1, not " + limit);
    }
    typeConcurrency.put(Objects.requireNonNull(type), limit);
    return this;
  }

  /** The types with a concurrency limit of their own, and their limits. */
  public Map<String, Integer> typeConcurrency() {
    return Map.copyOf(typeConcurrency);
  }

  /** The most payload bytes this queue holds in memory at once; 0: only the host-wide budget applies. */
  public long maxBytes() {
    return maxBytes;
  }

  public QueueOptions maxBytes(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative");
    }
    this.maxBytes = maxBytes;
    return this;
  }

  /**
   * How long after an item with a unique key finished (in any final state but {@code cancelled}) an enqueue with the
   * same key still returns it; {@link Duration#ZERO} (the default): only while it is unfinished.
   */
  public Duration uniqueWindow() {
    return uniqueWindow;
  }

  public QueueOptions uniqueWindow(Duration uniqueWindow) {
    if (uniqueWindow.isNegative()) {
      throw new IllegalArgumentException("uniqueWindow must not be negative");
    }
    this.uniqueWindow = uniqueWindow;
    return this;
  }

  /** How long the durable store keeps a finished item (not a dead one) after its end. */
  public Duration retentionTime() {
    return retentionTime;
  }

  /** How many finished items (not dead ones) the durable store keeps at most, the newest. */
  public int retentionCount() {
    return retentionCount;
  }

  public QueueOptions retention(Duration time, int count) {
    if (time.isNegative() || count < 0) {
      throw new IllegalArgumentException("retention time and count must not be negative");
    }
    this.retentionTime = time;
    this.retentionCount = count;
    return this;
  }
}
