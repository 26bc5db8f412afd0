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
 * Not a test: {@code java -cp <test classpath> io.berth.metrics.QueueMetricsCostMain [items] [rounds]}.
 */
public final class QueueMetricsCostMain {

  public static void main(String[] args) throws Exception {
    int items = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<Double> off = new ArrayList<>();
    List<Double> on = new ArrayList<>();
    once(false, items / 4);   // warm-up of both paths
    once(true, items / 4);
    for (int r = 0; r < rounds; r++) {
      off.add(once(false, items));
      on.add(once(true, items));
      System.out.printf("round %d: without %.0f items/s, with %.0f items/s%n", r + 1, off.get(r), on.get(r));
    }
    double a = median(off);
    double b = median(on);
    System.out.printf("median without metrics: %.0f items/s; with metrics: %.0f items/s; cost %.1f%%%n",
        a, b, 100 * (a - b) / a);
    System.exit(0);
  }

  private static double once(boolean metrics, int items) throws Exception {
    CountDownLatch done = new CountDownLatch(items);
    Host.Builder b = Host.builder()
        .queue(new QueueOptions("bench").concurrency(2).capacity(4096))
        .handler("noop", ctx -> done.countDown());
    if (metrics) {
      b.metrics();
    }
    Host host = b.build();
    await(host.start());
    WorkQueue queue = host.work().queue("bench");
    long t0 = System.nanoTime();
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
    await(host.stop());
    return perSecond;
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
