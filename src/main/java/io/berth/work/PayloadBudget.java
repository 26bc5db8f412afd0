package io.berth.work;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bound on the payload bytes held in memory: a queue's ({@code queues.<name>.maxBytes}) over the host's
 * ({@code work.maxBytes}, by default a quarter of the max heap). Admission takes an item's bytes before it accepts
 * it and refuses ({@code queue_full}) when they do not fit, so a full queue of large payloads cannot exhaust the
 * heap; the bytes are given back once the payload is no longer held (memory store: the item ended; durable store:
 * its row is committed). A durable store's claim-ahead takes what it reads back, and bounds what it reads by what is
 * left. Lock-free.
 */
final class PayloadBudget {

  private final String key;
  private final long limit;
  private final PayloadBudget parent;
  private final AtomicLong used = new AtomicLong();

  /** A budget of {@code limit} bytes (0: none of its own, only the parent's), named by its config {@code key}. */
  PayloadBudget(String key, long limit, PayloadBudget parent) {
    this.key = key;
    this.limit = limit;
    this.parent = parent;
  }

  /** The host's budget: {@code limit} bytes, or a quarter of the max heap when {@code limit} is 0. */
  static PayloadBudget host(long limit) {
    return new PayloadBudget("work.maxBytes", limit > 0 ? limit : defaultHostLimit(), null);
  }

  static long defaultHostLimit() {
    return Math.max(1 << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  /** The largest item this budget could ever hold: the smallest limit along the chain. */
  long max() {
    long own = limit > 0 ? limit : Long.MAX_VALUE;
    return parent == null ? own : Math.min(own, parent.max());
  }

  /** The config key of the limit that {@link #max()} is. */
  String maxKey() {
    if (parent == null || limit > 0 && limit <= parent.max()) {
      return key;
    }
    return parent.maxKey();
  }

  /** Bytes that may still be taken now (possibly stale). */
  long available() {
    long own = limit > 0 ? limit - used.get() : Long.MAX_VALUE;
    return Math.max(0, parent == null ? own : Math.min(own, parent.available()));
  }

  long used() {
    return used.get();
  }

  /** Takes {@code n} bytes if they fit here and in the parent; false (nothing taken) otherwise. */
  boolean tryTake(long n) {
    if (n <= 0) {
      return true;
    }
    if (limit > 0) {
      for (long a = used.get(); ; a = used.get()) {
        if (a + n > limit) {
          return false;
        }
        if (used.compareAndSet(a, a + n)) {
          break;
        }
      }
    } else {
      used.addAndGet(n);
    }
    if (parent != null && !parent.tryTake(n)) {
      used.addAndGet(-n);
      return false;
    }
    return true;
  }

  /** Takes {@code n} bytes even past the limit (what a durable store read back to run). */
  void take(long n) {
    if (n > 0) {
      used.addAndGet(n);
      if (parent != null) {
        parent.take(n);
      }
    }
  }

  void release(long n) {
    if (n > 0) {
      used.addAndGet(-n);
      if (parent != null) {
        parent.release(n);
      }
    }
  }

  /**
   * The size of a payload as the budget counts it: about its JSON text (strings by their length, numbers 8 bytes,
   * each key and value a few bytes of punctuation). Walked, not encoded: cheap for the small payloads of the hot path.
   */
  static long size(JsonObject payload) {
    return payload == null ? 0 : sizeOf(payload.getMap(), 0);
  }

  private static long sizeOf(Object v, int depth) {
    if (v == null) {
      return 4;
    }
    if (v instanceof CharSequence s) {
      return s.length() + 2L;
    }
    if (depth > 64) {
      return 16;
    }
    if (v instanceof JsonObject o) {
      return sizeOf(o.getMap(), depth);
    }
    if (v instanceof JsonArray a) {
      return sizeOf(a.getList(), depth);
    }
    if (v instanceof Map<?, ?> m) {
      long n = 2;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        n += String.valueOf(e.getKey()).length() + 4L + sizeOf(e.getValue(), depth + 1);
      }
      return n;
    }
    if (v instanceof List<?> l) {
      long n = 2;
      for (Object o : l) {
        n += 1 + sizeOf(o, depth + 1);
      }
      return n;
    }
    if (v instanceof byte[] b) {
      return b.length * 4L / 3 + 4;
    }
    return 8;
  }
}
