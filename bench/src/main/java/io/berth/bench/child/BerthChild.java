package io.berth.bench.child;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * A Berth host in a child JVM, for the workloads that need a process of their own (recovery, memory, cluster):
 * {@code java -cp berth-bench.jar io.berth.bench.child.BerthChild <config.json>}. The file is Berth's config
 * ({@code store}, {@code queues}, {@code http}, {@code cluster}, {@code services}) plus the bench's {@code app}
 * section:
 * <ul>
 *   <li>{@code app.queue} ({@code default}), {@code app.type} ({@code noop}): the queue and the one item type;</li>
 *   <li>{@code app.block}: the handler blocks until its item is cancelled (so that items stay queued or running);</li>
 *   <li>{@code app.paused}: pause the queue once started; {@code app.fill}: enqueue that many items at start
 *       ({@code app.fillSeconds} bounds it), print {@code ID <id>} for the first 16 accepted, then
 *       {@code FILLED <n> <heap bytes after GC>};</li>
 *   <li>{@code app.probe}: the routes {@code GET /bench/latency} (enqueue-to-start of the items run on this node,
 *       from the epoch microseconds in their payload's {@code t}; {@code ?reset=1} clears) and
 *       {@code GET /bench/singleton}, and a background service {@code bench-singleton} that records when it runs
 *       (declare it a singleton with {@code services.bench-singleton.singleton: true}).</li>
 * </ul>
 * Every key is checked as the jar checks them ({@code rejectUnknownKeys}): a key the product does not know, such as
 * {@code cluster} before the cluster exists, prints {@code CONFIG-ERROR <message>} and exits 2.
 */
public final class BerthChild {
  private BerthChild() {}

  static final ConcurrentHistogram LATENCY = new ConcurrentHistogram(3);
  static final AtomicLong RUN = new AtomicLong();
  static volatile long holdingSinceMicros;
  /** With {@code -Dberth.trace=true}: per item run here, its client send time and its handler's start (micros). */
  static final boolean TRACE = Boolean.getBoolean("berth.trace");
  static final java.util.concurrent.ConcurrentHashMap<String, long[]> RUNS = new java.util.concurrent.ConcurrentHashMap<>();

  static long epochMicros() {
    Instant i = Instant.now();
    return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
  }

  public static void main(String[] args) throws Exception {
    JsonObject json = new JsonObject(Files.readString(Path.of(args[0])));
    JsonObject app = json.getJsonObject("app", new JsonObject());
    String queueName = app.getString("queue", "default");
    String type = app.getString("type", "noop");
    boolean block = app.getBoolean("block", false);
    ConfigReader config = ConfigReader.of(json);
    // A clustered host creates its own (clustered) Vert.x.
    boolean clustered = json.getJsonObject("cluster", new JsonObject()).getBoolean("enabled", false);
    Vertx vertx = clustered ? null : Vertx.vertx();
    Host host;
    try {
      Host.Builder b = Host.builder().config(config);
      if (!clustered) {
        b.vertx(vertx, true);
      }
      b
          .queue(new QueueOptions(queueName))
          .handler(type, ctx -> {
            long now = epochMicros();
            RUN.incrementAndGet();
            Long t = ctx.payload().getLong("t");
            if (t != null) LATENCY.recordValue(Math.max(0, now - t));
            if (TRACE && t != null) RUNS.put(ctx.id(), new long[] {t, now});
            if (block) {
              while (ctx.token().sleep(Duration.ofSeconds(60))) {
                // hold the item until cancelled (or the process is killed)
              }
            }
          });
      if (app.getBoolean("probe", false)) {
        b.background("bench-singleton", token -> {
          holdingSinceMicros = epochMicros();
          System.out.println("SINGLETON " + holdingSinceMicros);
          try {
            while (token.sleep(Duration.ofSeconds(60))) {
              // holding
            }
          } finally {
            holdingSinceMicros = 0;
          }
        });
      }
      if (json.containsKey("http")) {
        b.http(HttpOptions.from(config.section("http")));
        if (app.getBoolean("probe", false)) {
          b.routes(r -> {
            r.get("/bench/latency").handler(rc -> {
              JsonObject o = new JsonObject().put("count", LATENCY.getTotalCount()).put("run", RUN.get())
                  .put("p50Micros", LATENCY.getValueAtPercentile(50)).put("p99Micros", LATENCY.getValueAtPercentile(99));
              if (rc.queryParams().contains("reset")) {
                LATENCY.reset();
                RUN.set(0);
              }
              rc.json(o);
            });
            r.get("/bench/trace").blockingHandler(rc -> {
              JsonObject o = TraceDump.dump(RUNS);
              if (rc.queryParams().contains("reset")) {
                RUNS.clear();
                TraceDump.reset();
              }
              rc.json(o);
            });
            r.get("/bench/singleton").handler(rc -> rc.json(new JsonObject().put("holdingSinceMicros", holdingSinceMicros)));
          });
        }
      }
      host = b.build();
      config.section(ConfigReader.APP);
      config.rejectUnknownKeys();
    } catch (ConfigException e) {
      System.out.println("CONFIG-ERROR " + e.getMessage());
      System.out.flush();
      if (vertx != null) {
        vertx.close();
      }
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        host.stop().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "bench-child-stop"));
    host.start().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    WorkQueue queue = host.work().queue(queueName);
    if (app.getBoolean("paused", false)) queue.pause().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("STARTED");
    System.out.flush();
    int fill = app.getInteger("fill", 0);
    if (fill > 0) {
      long n = fill(queue, type, app.getJsonObject("payload", new JsonObject()), fill,
          app.getInteger("fillSeconds", 600));
      System.gc();
      Runtime rt = Runtime.getRuntime();
      System.out.println("FILLED " + n + " " + (rt.totalMemory() - rt.freeMemory()));
      System.out.flush();
    }
    new CountDownLatch(1).await();   // until killed or SIGTERM (the shutdown hook stops the host)
  }

  /** Enqueues {@code n} items with 64 in flight; returns how many were accepted within {@code seconds}. */
  static long fill(WorkQueue queue, String type, JsonObject payload, int n, int seconds) throws Exception {
    AtomicLong next = new AtomicLong();
    AtomicLong accepted = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < 64; p++) {
      Thread t = new Thread(() -> {
        while (next.getAndIncrement() < n && System.nanoTime() < deadline) {
          Future<String> f = queue.enqueue(type, payload.copy());
          try {
            String id = f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            if (accepted.incrementAndGet() <= 16) System.out.println("ID " + id);
          } catch (Exception e) {
            System.out.println("ENQUEUE-FAILED " + e);
            return;
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) t.join();
    return accepted.get();
  }
}
