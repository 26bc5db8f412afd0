package io.berth.metrics;

import io.berth.work.ItemEvent;
import io.berth.work.ItemState;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The per-item series, on the queue's hot path: items finished per queue, type and outcome, retries, the run-time
 * and the enqueue-to-start histograms.
 *
 * <p>Why not Micrometer's timers and counters: each record there is several atomic operations (an uncontended CAS
 * costs ~30 ns on the machines Berth was measured on) plus a time-window max; together they cost 30–40% of a fast
 * memory queue's throughput. Here each thread that publishes item events (a queue's worker threads) records into its
 * own cells with plain writes; a scrape adds up every thread's cells. Virtual threads, which come and go with each
 * item, share one set of cells under a lock instead. The times come with the event ({@link ItemEvent#startedNanos()}
 * ...): nothing is kept per item. Counters never reset: the cells of a thread that ended are kept. A scrape reads
 * other threads' plain writes without a lock, so it may see a cell a few events behind (never torn: 64-bit longs on
 * HotSpot); the next scrape sees them.
 */
final class ItemMeters implements MultiCollector {

  /** Histogram bucket upper bounds, in nanoseconds (1 ms ... 2 min); +Inf follows. */
  private static final long[] BOUNDS_NANOS = {1_000_000L, 5_000_000L, 25_000_000L, 100_000_000L, 500_000_000L,
      1_000_000_000L, 5_000_000_000L, 30_000_000_000L, 120_000_000_000L};
  private static final int BUCKETS = BOUNDS_NANOS.length + 1;
  /** A histogram's cells: {@link #BUCKETS} counts (not cumulative), the sum in nanos, then events without times. */
  private static final int SUM = BUCKETS;
  private static final int UNTIMED = BUCKETS + 1;
  private static final int WIDTH = BUCKETS + 2;
  private static final double[] BOUNDS_SECONDS = new double[BUCKETS];
  private static final ItemState[] STATES = ItemState.values();

  static {
    for (int i = 0; i < BOUNDS_NANOS.length; i++) {
      BOUNDS_SECONDS[i] = BOUNDS_NANOS[i] / 1e9;
    }
    BOUNDS_SECONDS[BOUNDS_NANOS.length] = Double.POSITIVE_INFINITY;
  }

  private final List<Cells> all = new CopyOnWriteArrayList<>();
  private final Cells sharedCells = new Cells(true);
  private final ThreadLocal<Cells> mine = ThreadLocal.withInitial(this::cellsOfThisThread);

  ItemMeters() {
    all.add(sharedCells);
  }

  private Cells cellsOfThisThread() {
    if (Thread.currentThread().getClass().getName().contains("Virtual")) {
      return sharedCells;
    }
    Cells c = new Cells(false);
    all.add(c);
    return c;
  }

  /** One thread's cells (or, shared, the virtual threads'): per queue, the wait, and per type, per state. */
  private static final class Cells {
    final boolean shared;
    final Map<String, Queue> queues = new ConcurrentHashMap<>();
    /** The owner's last lookup: events come in runs of one queue and type. */
    String lastQueue;
    String lastType;
    Queue lastQueueCells;
    long[][] lastTypeCells;

    Cells(boolean shared) {
      this.shared = shared;
    }

    Queue queue(String name) {
      if (name.equals(lastQueue)) {
        return lastQueueCells;
      }
      Queue q = queues.computeIfAbsent(name, k -> new Queue());
      lastQueue = name;
      lastQueueCells = q;
      lastType = null;
      return q;
    }

    long[][] type(String queue, String type) {
      Queue q = queue(queue);
      if (type.equals(lastType)) {
        return lastTypeCells;
      }
      long[][] t = q.types.computeIfAbsent(type, k -> new long[STATES.length][]);
      lastType = type;
      lastTypeCells = t;
      return t;
    }
  }

  private static final class Queue {
    final long[] wait = new long[WIDTH];
    final Map<String, long[][]> types = new ConcurrentHashMap<>();
  }

  private static void record(long[] cells, long nanos) {
    long n = Math.max(0, nanos);
    int i = 0;
    while (i < BOUNDS_NANOS.length && n > BOUNDS_NANOS[i]) {
      i++;
    }
    cells[i]++;
    cells[SUM] += n;
  }

  /**
   * Counts and times one item event. The wait is recorded at the start of an item's first attempt only (a retry's
   * backoff is not queueing); the run time of every attempt that ended, with its outcome ({@code retrying} for an
   * attempt that failed and will be retried).
   */
  void onItem(ItemEvent e) {
    if (e.status() == ItemState.QUEUED) {
      return;
    }
    Cells c = mine.get();
    if (c.shared) {
      synchronized (c) {
        onItem(c, e);
      }
    } else {
      onItem(c, e);
    }
  }

  private static void onItem(Cells c, ItemEvent e) {
    ItemState state = e.status();
    if (state == ItemState.RUNNING) {
      if (e.attempts() == 1 && e.startedNanos() != 0 && e.enqueuedNanos() != 0) {
        record(c.queue(e.queue()).wait, e.startedNanos() - e.enqueuedNanos());
      }
      return;
    }
    long[][] t = c.type(e.queue(), e.type());
    long[] cells = t[state.ordinal()];
    if (cells == null) {
      cells = new long[WIDTH];
      t[state.ordinal()] = cells;
    }
    if (e.startedNanos() != 0 && e.endedNanos() != 0) {
      record(cells, e.endedNanos() - e.startedNanos());
    } else {
      cells[UNTIMED]++;   // counted, not timed: cancelled before it started
    }
  }

  /** Every thread's cells added up: queue → (type → per state, or "" → the wait). */
  private Map<String, Map<String, long[][]>> total() {
    Map<String, Map<String, long[][]>> sum = new TreeMap<>();
    for (Cells c : all) {
      if (c.shared) {
        synchronized (c) {
          add(sum, c);
        }
      } else {
        add(sum, c);
      }
    }
    return sum;
  }

  private static void add(Map<String, Map<String, long[][]>> sum, Cells c) {
    for (Map.Entry<String, Queue> qe : c.queues.entrySet()) {
      Map<String, long[][]> q = sum.computeIfAbsent(qe.getKey(), k -> new TreeMap<>());
      addInto(q.computeIfAbsent("", k -> new long[1][]), 0, qe.getValue().wait);
      for (Map.Entry<String, long[][]> te : qe.getValue().types.entrySet()) {
        long[][] into = q.computeIfAbsent(" " + te.getKey(), k -> new long[STATES.length][]);
        long[][] from = te.getValue();
        for (int s = 0; s < STATES.length; s++) {
          if (from[s] != null) {
            addInto(into, s, from[s]);
          }
        }
      }
    }
  }

  private static void addInto(long[][] into, int index, long[] from) {
    if (into[index] == null) {
      into[index] = new long[WIDTH];
    }
    for (int i = 0; i < WIDTH; i++) {
      into[index][i] += from[i];
    }
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot histogram(long[] cells, Labels labels) {
    long[] counts = new long[BUCKETS];
    System.arraycopy(cells, 0, counts, 0, BUCKETS);
    return HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels)
        .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts)).sum(cells[SUM] / 1e9).build();
  }

  private static long count(long[] cells) {
    long n = cells[UNTIMED];
    for (int i = 0; i < BUCKETS; i++) {
      n += cells[i];
    }
    return n;
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
    for (Map.Entry<String, Map<String, long[][]>> qe : total().entrySet()) {
      String queue = qe.getKey();
      for (Map.Entry<String, long[][]> te : qe.getValue().entrySet()) {
        if (te.getKey().isEmpty()) {
          waits.dataPoint(histogram(te.getValue()[0], Labels.of("queue", queue)));
          continue;
        }
        String type = te.getKey().substring(1);
        for (ItemState s : STATES) {
          long[] cells = te.getValue()[s.ordinal()];
          if (cells == null) {
            continue;
          }
          Labels labels = Labels.of("queue", queue, "type", type, "outcome", s.label());
          if (s == ItemState.RETRYING) {
            retries.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("queue", queue, "type", type)).value(count(cells)).build());
          } else {
            finished.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels)
                .value(count(cells)).build());
          }
          if (cells[UNTIMED] < count(cells)) {
            durations.dataPoint(histogram(cells, labels));
          }
        }
      }
    }
    return MetricSnapshots.of(finished.build(), retries.build(), durations.build(), waits.build());
  }
}
