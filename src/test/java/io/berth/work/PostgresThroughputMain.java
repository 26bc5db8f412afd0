package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throw-away measurement, not a test: 64 in-process producers enqueue into a queue on the PostgreSQL store (the
 * embedded server of the tests), each waiting for its enqueue's commit before the next, while a no-op handler runs
 * the items. Prints accepted items/s with the ack p50/p99, and end-to-end items/s. Arguments: items (default 50,000),
 * producers (64), pool size (4). Run: {@code mvn -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.berth.work.PostgresThroughputMain -Dexec.args="50000 64 4"}.
 */
public final class PostgresThroughputMain {

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int producers = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int poolSize = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    Postgres pg = Postgres.shared();
    String db = pg.database();
    Vertx vertx = Vertx.vertx();
    LongAdder ran = new LongAdder();
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
        .config(ConfigReader.of(new JsonObject().put("store", PgNodes.storeConfig(pg.url(db))
            .put("poolSize", poolSize).put("pollInterval", "1s"))))
        .queue(new QueueOptions("q").capacity(10_000_000).concurrency(4))
        .handler("noop", ctx -> ran.increment())
        .build();
    host.start().toCompletionStage().toCompletableFuture().get();
    WorkQueue q = host.work().queue("q");
    // Warm-up: prepared statements, JIT.
    run(q, 2_000, producers, new ConcurrentHistogram(3));
    while (ran.sum() < 2_000) {
      Thread.onSpinWait();
    }
    ran.reset();
    ConcurrentHistogram acks = new ConcurrentHistogram(3);
    long t0 = System.nanoTime();
    run(q, total, producers, acks);
    long accepted = System.nanoTime() - t0;
    while (ran.sum() < total) {
      Thread.onSpinWait();
    }
    long e2e = System.nanoTime() - t0;
    System.out.printf("PostgreSQL (embedded %s), pool %d, %d producers, %d items: accepted %.0f items/s (ack p50 %.1f"
            + " ms, p99 %.1f ms, max %.1f ms); end to end %.0f items/s%n", "14", poolSize, producers, total,
        total / (accepted / 1e9), acks.getValueAtPercentile(50) / 1e6, acks.getValueAtPercentile(99) / 1e6,
        acks.getMaxValue() / 1e6, total / (e2e / 1e9));
    host.stop().toCompletionStage().toCompletableFuture().get();
    vertx.close().toCompletionStage().toCompletableFuture().get();
    pg.close();
    System.exit(0);
  }

  private static void run(WorkQueue q, int total, int producers, ConcurrentHistogram acks) throws Exception {
    AtomicInteger left = new AtomicInteger(total);
    CountDownLatch done = new CountDownLatch(producers);
    for (int p = 0; p < producers; p++) {
      next(q, left, done, acks);
    }
    done.await();
  }

  /** One producer: its next enqueue starts when the previous one was accepted (committed). */
  private static void next(WorkQueue q, AtomicInteger left, CountDownLatch done, ConcurrentHistogram acks) {
    if (left.getAndDecrement() <= 0) {
      done.countDown();
      return;
    }
    long t = System.nanoTime();
    q.enqueue("noop", new JsonObject().put("n", 1)).onComplete(ar -> {
      acks.recordValue(System.nanoTime() - t);
      if (ar.failed()) {
        System.err.println("refused: " + ar.cause());
      }
      next(q, left, done, acks);
    });
  }
}
