package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throw-away measurement, not a test: 64 in-process producers enqueue into a durable queue (each waits for its
 * enqueue's commit before the next), a no-op handler runs the items. Prints accepted/s and end-to-end items/s.
 * Run: {@code mvn -o -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.berth.work.DurableThroughputMain}.
 */
public final class DurableThroughputMain {

  public static void main(String[] args) throws Exception {
    int producers = 64;
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    String sync = args.length > 1 ? args[1] : "full";
    Path dir = Files.createTempDirectory("berth-bench");
    Vertx vertx = Vertx.vertx();
    LongAdder ran = new LongAdder();
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
        .config(ConfigReader.of(new JsonObject().put("store", new JsonObject()
            .put("path", dir.resolve("berth.db").toString()).put("synchronous", sync))))
        .queue(new QueueOptions("q").capacity(10_000_000).concurrency(4))
        .handler("noop", ctx -> ran.increment())
        .build();
    host.start().toCompletionStage().toCompletableFuture().get();
    WorkQueue q = host.work().queue("q");
    AtomicInteger left = new AtomicInteger(total);
    CountDownLatch done = new CountDownLatch(producers);
    long t0 = System.nanoTime();
    for (int p = 0; p < producers; p++) {
      next(q, left, done);
    }
    done.await();
    long accepted = System.nanoTime() - t0;
    while (ran.sum() < total) {
      Thread.onSpinWait();
    }
    long e2e = System.nanoTime() - t0;
    System.out.printf("synchronous=%s, %d producers, %d items: accepted %.0f items/s; end to end %.0f items/s%n",
        sync, producers, total, total / (accepted / 1e9), total / (e2e / 1e9));
    host.stop().toCompletionStage().toCompletableFuture().get();
  }

  /** One producer: its next enqueue starts when the previous one was accepted (committed). */
  private static void next(WorkQueue q, AtomicInteger left, CountDownLatch done) {
    if (left.getAndDecrement() <= 0) {
      done.countDown();
      return;
    }
    q.enqueue("noop", new JsonObject().put("n", 1)).onComplete(ar -> {
      if (ar.failed()) {
        ar.cause().printStackTrace();
      }
      next(q, left, done);
    });
  }
}
