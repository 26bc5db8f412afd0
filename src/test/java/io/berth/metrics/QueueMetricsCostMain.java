package io.berth.metrics;

import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What metrics cost the queue: the bench's queue-throughput workload (one producer, no-op items, capacity 4096,
 * fullMode wait, 2 workers, memory store) in-process, alternating hosts without and with {@link MetricsModule}.
 * Not a test: {@code java -cp <test classpath> io.berth.metrics.QueueMetricsCostMain [items] [rounds] [MODE]}; with a
 * mode ({@code OFF}, {@code NOOP_LISTENER}, {@code BERTH_ONLY}, {@code ALL}) it runs that one only, for a profiler.
 */
public final class QueueMetricsCostMain {

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    if (args.length > 2) {
      Mode only = Mode.valueOf(args[2]);
      once(only, items / 4);
      for (int r = 0; r < rounds; r++) {
        System.out.printf("round %d: %s %.0f items/s%n", r + 1, only, once(only, items));
      }
      List<Double> cpu = CPU_NANOS_PER_ITEM.get(only);
      System.out.printf("median CPU ns per item: %.0f%n", median(cpu.subList(1, cpu.size())));
      System.exit(0);
    }
    List<Double> off = new ArrayList<>();
    List<Double> berth = new ArrayList<>();
    List<Double> noop = new ArrayList<>();
    List<Double> on = new ArrayList<>();
    for (Mode m : Mode.values()) {
      once(m, items / 4);   // warm-up of every path
    }
    for (int r = 0; r < rounds; r++) {
      // Every other round in reverse order (A B C D D C B A ...): a drifting load favours no mode.
      double[] perSecond = new double[Mode.values().length];
      List<Mode> order = new ArrayList<>(List.of(Mode.values()));
      if (r % 2 == 1) {
        Collections.reverse(order);
      }
      for (Mode m : order) {
        perSecond[m.ordinal()] = once(m, items);
      }
      off.add(perSecond[Mode.OFF.ordinal()]);
      noop.add(perSecond[Mode.NOOP_LISTENER.ordinal()]);
      berth.add(perSecond[Mode.BERTH_ONLY.ordinal()]);
      on.add(perSecond[Mode.ALL.ordinal()]);
      System.out.printf("round %d: without %.0f items/s, a no-op item listener %.0f, Berth's and the JVM's %.0f,"
          + " all (with Vert.x's) %.0f%n", r + 1, off.get(r), noop.get(r), berth.get(r), on.get(r));
    }
    double a = median(off);
    double b = median(berth);
    double c = median(on);
    System.out.printf("median items/s with a no-op item listener: %.0f%n", median(noop));
    // Paired: each round's cost against the run without metrics just before it, which drifts less with the load
    // of a shared machine than medians taken apart.
    List<Double> pairedBerth = new ArrayList<>();
    List<Double> pairedAll = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      pairedBerth.add(100 * (off.get(r) - berth.get(r)) / off.get(r));
      pairedAll.add(100 * (off.get(r) - on.get(r)) / off.get(r));
    }
    System.out.printf("median of the rounds' costs: Berth's + JVM %.1f%%; all %.1f%%%n", median(pairedBerth),
        median(pairedAll));
    System.out.printf("median items/s: without metrics %.0f; Berth's + JVM %.0f (cost %.1f%%); all, Vert.x's too %.0f"
        + " (cost %.1f%%)%n", a, b, 100 * (a - b) / a, c, 100 * (a - c) / a);
    // CPU per item: the figure a loaded, shared machine disturbs least (throughput there swings 2-5x run to run).
    double[] cpu = new double[Mode.values().length];
    for (Mode m : Mode.values()) {
      List<Double> all = CPU_NANOS_PER_ITEM.get(m);
      cpu[m.ordinal()] = median(all.subList(1, all.size()));
    }
    // The same, paired round by round: each round's CPU per item against the run without metrics just before it.
    List<List<Double>> pairedCpu = new ArrayList<>();
    for (Mode m : Mode.values()) {
      List<Double> costs = new ArrayList<>();
      List<Double> all = CPU_NANOS_PER_ITEM.get(m);
      List<Double> base = CPU_NANOS_PER_ITEM.get(Mode.OFF);
      for (int r = 1; r < all.size(); r++) {
        costs.add(100 * (all.get(r) - base.get(r)) / base.get(r));
      }
      pairedCpu.add(costs);
      System.out.printf("CPU ns per item of %s, round by round: %s%n", m, all.subList(1, all.size()).stream()
          .map(v -> String.format("%.0f", v)).toList());
    }
    System.out.printf("median of the rounds' CPU costs per item: a no-op item listener %+.1f%%; Berth's + JVM %+.1f%%;"
        + " all %+.1f%%%n", median(pairedCpu.get(1)), median(pairedCpu.get(2)), median(pairedCpu.get(3)));
    System.out.printf("median CPU ns per item: without %.0f; a no-op item listener %.0f (+%.1f%%); Berth's + JVM %.0f"
            + " (+%.1f%%); all %.0f (+%.1f%%)%n", cpu[0], cpu[1], 100 * (cpu[1] - cpu[0]) / cpu[0], cpu[2],
        100 * (cpu[2] - cpu[0]) / cpu[0], cpu[3], 100 * (cpu[3] - cpu[0]) / cpu[0]);
    System.exit(0);
  }

  /** Without metrics; Berth's and the JVM's meters on a plain Vert.x; all, with Vert.x's metrics. */
  enum Mode { OFF, NOOP_LISTENER, BERTH_ONLY, ALL }

  private static double once(Mode mode, int items) throws Exception {
    CountDownLatch done = new CountDownLatch(items);
    Host.Builder b = Host.builder()
        .queue(new QueueOptions("bench").concurrency(2).capacity(4096))
        .handler("noop", ctx -> done.countDown());
    if (mode == Mode.NOOP_LISTENER) {
      b.module(ctx -> ctx.listen(new io.berth.core.HostListener() {
        @Override
        public void onEvent(io.berth.core.HostEvent event) {
        }

        @Override
        public boolean wants(String topic) {
          return topic.equals("item");
        }
      }));
    } else if (mode == Mode.BERTH_ONLY) {
      b.vertx(io.vertx.core.Vertx.vertx(), true).metrics();
    } else if (mode == Mode.ALL) {
      b.metrics();
    }
    Host host = b.build();
    await(host.start());
    WorkQueue queue = host.work().queue("bench");
    long t0 = System.nanoTime();
    long cpu0 = cpu();
    for (int i = 0; i < items; i++) {
      Future<String> f = queue.enqueue("noop", new JsonObject().put("n", i));
      if (!f.isComplete()) {
        await(f);
      } else if (f.failed()) {
        throw new IllegalStateException(f.cause());
      }
    }
    if (!done.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("items did not finish");
    }
    double perSecond = items / ((System.nanoTime() - t0) / 1e9);
    CPU_NANOS_PER_ITEM.computeIfAbsent(mode, k -> new ArrayList<>()).add((cpu() - cpu0) / (double) items);
    await(host.stop());
    return perSecond;
  }

  /** CPU time per item of each mode's rounds (warm-up included, dropped below). */
  private static final java.util.Map<Mode, List<Double>> CPU_NANOS_PER_ITEM = new java.util.EnumMap<>(Mode.class);

  /**
   * The process's CPU time in nanoseconds: what an item costs, whatever else runs on a shared machine. On Linux the
   * sum of every thread's run time from {@code /proc/self/task/<tid>/schedstat} (nanoseconds; GC and JIT threads
   * included); the MXBean's process time counts in 10 ms ticks, 2-3% of a round.
   */
  private static long cpu() {
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks != null) {
      long sum = 0;
      for (java.io.File t : tasks) {
        try {
          String line = java.nio.file.Files.readString(new java.io.File(t, "schedstat").toPath());
          sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
        } catch (java.io.IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
      if (sum > 0) {
        return sum;
      }
    }
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
