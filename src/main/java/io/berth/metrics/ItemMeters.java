package io.berth.metrics;

import io.berth.work.ItemState;
import io.berth.work.WorkMeters;
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
 * and the enqueue-to-start histograms. Fed by the queues' workers directly, as the {@link WorkMeters} feature, not
 * through item host events.
 *
 * <p>Why not Micrometer's timers and counters: each record there is several atomic operations (an uncontended CAS
 * costs ~30 ns on the machines Berth was measured on) plus a time-window max; together they cost 30–40% of a fast
 * memory queue's throughput. Why not a host listener: it was asked per transition, had an event built for it
 * (with a snapshot of the item for its times) and, called from any thread, had to find its thread's cells; that
 * cost as much again. Here each worker records into its own {@link Cells} with plain writes (its context calls it
 * one task at a time) and a scrape adds up every worker's cells; transitions made off the workers (a cancel of a
 * waiting item) go to one locked set of cells per queue. Nothing is kept per item. Counters never reset: the cells
 * of a worker that stopped are kept. A scrape reads the workers' plain writes without a lock, so it may see a cell a
 * few items behind (never torn: 64-bit longs on HotSpot); the next scrape sees them.
 */
final class ItemMeters implements MultiCollector, WorkMeters {

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

  /** Every recorder handed out, kept for the life of the host (counters never reset). */
  private final List<Cells> all = new CopyOnWriteArrayList<>();
  private final Map<String, Cells> sharedByQueue = new ConcurrentHashMap<>();

  @Override
  public Recorder worker(String queue) {
    Cells c = new Cells(queue);
    all.add(c);
    return c;
  }

  @Override
  public Recorder shared(String queue) {
    return sharedByQueue.computeIfAbsent(queue, q -> {
      Cells c = new LockedCells(q);
      all.add(c);
      return c;
    });
  }

  /**
   * One worker's cells, for one queue: the wait, and per type, per outcome. The wait is recorded at the start of an
   * item's first attempt only (a retry's backoff is not queueing); the run time of every attempt that ended, with
   * its outcome ({@code retrying} for an attempt that failed and will be retried).
   */
  private static class Cells implements Recorder {
    final String queue;
    final long[] wait = new long[WIDTH];
    /** Type → per outcome (by ordinal; null until seen); read by scrapes while the owner adds types. */
    final Map<String, long[][]> types = new ConcurrentHashMap<>();
    /** The owner's last lookup: items come in runs of one type. */
    private String lastType;
    private long[][] lastTypeCells;

    Cells(String queue) {
      this.queue = queue;
    }

    @Override
    public void waited(long waitNanos) {
      record(wait, waitNanos);
    }

    @Override
    public void ended(String type, ItemState outcome, long runNanos) {
      long[][] t;
      if (type == lastType || type.equals(lastType)) {
        t = lastTypeCells;
      } else {
        t = types.computeIfAbsent(type, k -> new long[STATES.length][]);
        lastType = type;
        lastTypeCells = t;
      }
      long[] cells = t[outcome.ordinal()];
      if (cells == null) {
        cells = new long[WIDTH];
        t[outcome.ordinal()] = cells;
      }
      if (runNanos >= 0) {
        record(cells, runNanos);
      } else {
        cells[UNTIMED]++;   // counted, not timed: cancelled before it started
      }
    }
  }

  /** The cells of transitions made by any thread: each call, and the scrape's read, under the cells' lock. */
  private static final class LockedCells extends Cells {

    LockedCells(String queue) {
      super(queue);
    }

    @Override
    public synchronized void waited(long waitNanos) {
      super.waited(waitNanos);
    }

    @Override
    public synchronized void ended(String type, ItemState outcome, long runNanos) {
      super.ended(type, outcome, runNanos);
    }
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

  /** Every worker's cells added up: queue → (type → per outcome, or "" → the wait). */
  private Map<String, Map<String, long[][]>> total() {
    Map<String, Map<String, long[][]>> sum = new TreeMap<>();
    for (Cells c : all) {
      if (c instanceof LockedCells) {
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
    Map<String, long[][]> q = sum.computeIfAbsent(c.queue, k -> new TreeMap<>());
    addInto(q.computeIfAbsent("", k -> new long[1][]), 0, c.wait);
    for (Map.Entry<String, long[][]> te : c.types.entrySet()) {
      long[][] into = q.computeIfAbsent(" " + te.getKey(), k -> new long[STATES.length][]);
      long[][] from = te.getValue();
      for (int s = 0; s < STATES.length; s++) {
        if (from[s] != null) {
          addInto(into, s, from[s]);
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
