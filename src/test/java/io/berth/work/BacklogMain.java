package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throw-away measurement, not a test: admits a backlog of N small items (1,000,000 by default) into a paused
 * SQLite queue, prints the time and the heap used after a GC, then resumes it and prints how long the backlog takes
 * to run. Run with a bounded heap, e.g.
 * {@code java -Xmx64m -cp target/classes:target/test-classes:$(cat cp.txt) io.berth.work.BacklogMain 1000000}.
 */
public final class BacklogMain {

  public static void main(String[] args) throws Exception {
    int total = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = Files.createTempDirectory("berth-backlog");
    Vertx vertx = Vertx.vertx();
    LongAdder ran = new LongAdder();
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
        .config(ConfigReader.of(new JsonObject().put("store", new JsonObject()
            .put("path", dir.resolve("berth.db").toString()))))
        .queue(new QueueOptions("q").capacity(10_000_000).concurrency(4))
        .handler("noop", ctx -> ran.increment())
        .build();
    host.start().toCompletionStage().toCompletableFuture().get();
    WorkQueue q = host.work().queue("q");
    q.pause().toCompletionStage().toCompletableFuture().get();
    long heap0 = BacklogMemoryTest.usedHeapAfterGc();
    long t0 = System.nanoTime();
    JsonObject payload = new JsonObject().put("order", 12345).put("note", "a small item");
    for (int done = 0; done < total; ) {
      List<Future<String>> chunk = new ArrayList<>();
      for (int i = 0; i < 8192 && done < total; i++, done++) {
        chunk.add(q.enqueue("noop", payload.copy()));
      }
      Future.all(chunk).toCompletionStage().toCompletableFuture().get();
    }
    double admitS = (System.nanoTime() - t0) / 1e9;
    long heap1 = BacklogMemoryTest.usedHeapAfterGc();
    System.out.printf("admitted %d items in %.1f s (%.0f/s); heap used after GC: %.1f MiB before, %.1f MiB with the"
            + " backlog (max heap %.0f MiB); depth %d%n", total, admitS, total / admitS, heap0 / 1048576.0,
        heap1 / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0, q.stats().depth());
    long t1 = System.nanoTime();
    q.resume().toCompletionStage().toCompletableFuture().get();
    long peak = 0;
    while (ran.sum() < total) {
      Thread.sleep(200);
      Runtime rt = Runtime.getRuntime();
      peak = Math.max(peak, rt.totalMemory() - rt.freeMemory());
    }
    double runS = (System.nanoTime() - t1) / 1e9;
    System.out.printf("ran the backlog in %.1f s (%.0f/s); heap used peaked at %.1f MiB (before GCs)%n", runS,
        total / runS, peak / 1048576.0);
    host.stop().toCompletionStage().toCompletableFuture().get();
    vertx.close();
  }
}
