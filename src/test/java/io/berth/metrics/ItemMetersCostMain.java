package io.berth.metrics;

import io.berth.work.ItemState;
import io.berth.work.WorkMeters;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the item meters cost a worker per item, alone: a worker's recorder fed as the dispatcher feeds it (the wait
 * at the start, one clock read and the outcome at the end), in this thread's CPU time, which the load of a shared
 * machine disturbs far less than a whole queue's. Compare with the CPU per item of {@link QueueMetricsCostMain}
 * without metrics. Not a test: {@code java -cp <test classpath> io.berth.metrics.ItemMetersCostMain [items] [rounds]}.
 */
public final class ItemMetersCostMain {

  public static void main(String[] args) {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 10_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    ItemMeters meters = new ItemMeters();
    WorkMeters.Recorder worker = meters.worker("bench");
    long sink = 0;
    List<Double> withMeters = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    for (int r = -2; r < rounds; r++) {   // two rounds of warm-up
      long t0 = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < items; i++) {
        long started = System.nanoTime() - 1_000;   // as the dispatcher: the item's start, already known
        worker.waited(1_000 + (i & 1023));
        worker.ended("noop", ItemState.SUCCEEDED, System.nanoTime() - started);
      }
      long t1 = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < items; i++) {
        sink += System.nanoTime() - 1_000;   // the start's read alone, which the loop above has too
      }
      long t2 = threads.getCurrentThreadCpuTime();
      if (r >= 0) {
        withMeters.add((t1 - t0) / (double) items);
        without.add((t2 - t1) / (double) items);
      }
    }
    String scrape = meters.collect().toString();
    System.out.printf("CPU ns per item of the item meters (wait, a clock read, outcome), median of %d rounds: %.1f"
        + " (the loop's own clock read alone: %.1f)%n", rounds, median(withMeters), median(without));
    System.out.println(sink == 42 && scrape.isEmpty() ? "" : "done");
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
