package io.berth.metrics;

import io.berth.work.ItemEvent;
import io.berth.work.ItemState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The per-item series, on the queue's hot path: items finished per queue, type and outcome, retries, the run time
 * and the enqueue-to-start histograms. Micrometer's timers cost 30–40% of a fast queue's throughput (a time-window
 * max and histogram rotation on every record), so these are plain {@link LongAdder}s kept per queue, type and
 * outcome (built once, looked up with no allocation) and turned into Prometheus snapshots only when scraped. The
 * times come with the event ({@link ItemEvent#startedNanos()} ...): nothing is kept per item.
 */
final class ItemMeters implements MultiCollector {

  /** Histogram bucket upper bounds, in nanoseconds (1 ms ... 2 min), then +Inf. */
  private static final long[] BOUNDS_NANOS = {1_000_000L, 5_000_000L, 25_000_000L, 100_000_000L, 500_000_000L,
      1_000_000_000L, 5_000_000_000L, 30_000_000_000L, 120_000_000_000L};
  private static final double[] BOUNDS_SECONDS = new double[BOUNDS_NANOS.length + 1];
  private static final ItemState[] STATES = ItemState.values();

  static {
    for (int i = 0; i < BOUNDS_NANOS.length; i++) {
      BOUNDS_SECONDS[i] = BOUNDS_NANOS[i] / 1e9;
    }
    BOUNDS_SECONDS[BOUNDS_NANOS.length] = Double.POSITIVE_INFINITY;
  }

  private final Map<String, Queue> queues = new ConcurrentHashMap<>();

  /** A histogram of durations: one adder per bucket (not cumulative) and the sum. */
  static final class Histogram {
    final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length + 1];
    final LongAdder sumNanos = new LongAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void record(long nanos) {
      long n = Math.max(0, nanos);
      int i = 0;
      while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
        i++;
      }
      buckets[i].increment();
      sumNanos.add(n);
    }

    HistogramSnapshot.HistogramDataPointSnapshot snapshot(Labels labels) {
      long[] counts = new long[buckets.length];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = buckets[i].sum();
      }
      return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
          .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
          .sum(sumNanos.sum() / 1e9).build();
    }
  }

  /** One queue's meters: the wait histogram and, per item type, its counters and run-time histograms. */
  static final class Queue {
    final String name;
    final Histogram wait = new Histogram();
    final Map<String, Type> types = new ConcurrentHashMap<>();

    Queue(String name) {
      this.name = name;
    }

    Type type(String type) {
      Type t = types.get(type);
      return t != null ? t : types.computeIfAbsent(type, k -> new Type());
    }
  }

  /** Per state (by ordinal): items that reached it and their run time; built on first use. */
  static final class Type {
    final LongAdder[] reached = new LongAdder[STATES.length];
    final Histogram[] durations = new Histogram[STATES.length];

    LongAdder reached(ItemState state) {
      LongAdder a = reached[state.ordinal()];
      if (a == null) {
        synchronized (this) {
          a = reached[state.ordinal()];
          if (a == null) {
            a = new LongAdder();
            reached[state.ordinal()] = a;
          }
        }
      }
      return a;
    }

    Histogram duration(ItemState state) {
      Histogram h = durations[state.ordinal()];
      if (h == null) {
        synchronized (this) {
          h = durations[state.ordinal()];
          if (h == null) {
            h = new Histogram();
            durations[state.ordinal()] = h;
          }
        }
      }
      return h;
    }
  }

  Queue queue(String name) {
    Queue q = queues.get(name);
    return q != null ? q : queues.computeIfAbsent(name, Queue::new);
  }

  /**
   * Counts and times one item event. The wait is recorded at the start of an item's first attempt only (a retry's
   * backoff is not queueing); the run time of every attempt that ended, with its outcome ({@code retrying} for an
   * attempt that failed and will be retried).
   */
  void onItem(ItemEvent e) {
    ItemState state = e.status();
    if (state == ItemState.QUEUED) {
      return;
    }
    Queue q = queue(e.queue());
    if (state == ItemState.RUNNING) {
      if (e.attempts() == 1 && e.startedNanos() != 0 && e.enqueuedNanos() != 0) {
        q.wait.record(e.startedNanos() - e.enqueuedNanos());
      }
      return;
    }
    Type t = q.type(e.type());
    t.reached(state).increment();
    if (e.startedNanos() != 0 && e.endedNanos() != 0) {
      t.duration(state).record(e.endedNanos() - e.startedNanos());
    }
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder finished = CounterSnapshot.builder().name("berth_items_finished")
        .help("Items finished, per queue, type and outcome");
    CounterSnapshot.Builder retries = CounterSnapshot.builder().name("berth_item_retries")
        .help("Attempts that failed and will be retried, per queue and type");
    HistogramSnapshot.Builder durations = HistogramSnapshot.builder().name("berth_item_duration_seconds")
        .help("Run time of an item's attempt, from its start to its outcome");
    HistogramSnapshot.Builder waits = HistogramSnapshot.builder().name("berth_item_wait_seconds")
        .help("Time from enqueue to the start of an item's first attempt");
    List<String> names = new ArrayList<>(queues.keySet());
    names.sort(null);
    for (String name : names) {
      Queue q = queues.get(name);
      waits.dataPoint(q.wait.snapshot(Labels.of("queue", name)));
      for (Map.Entry<String, Type> te : q.types.entrySet()) {
        Type t = te.getValue();
        for (ItemState s : STATES) {
          LongAdder n = t.reached[s.ordinal()];
          if (n != null) {
            CounterSnapshot.CounterDataPointSnapshot point = CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(s == ItemState.RETRYING ? Labels.of("queue", name, "type", te.getKey())
                    : Labels.of("queue", name, "type", te.getKey(), "outcome", s.label()))
                .value(n.sum()).build();
            (s == ItemState.RETRYING ? retries : finished).dataPoint(point);
          }
          Histogram h = t.durations[s.ordinal()];
          if (h != null) {
            durations.dataPoint(h.snapshot(Labels.of("queue", name, "type", te.getKey(), "outcome", s.label())));
          }
        }
      }
    }
    return MetricSnapshots.of(finished.build(), retries.build(), durations.build(), waits.build());
  }
}
