package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * A throw-away measurement, not a test, on the embedded PostgreSQL of the tests: end-to-end items/s of no-op items
 * (1) alone, (2) behind and beside a slow type limited to 2 (its items sleep 20 ms), (3) while the retention sweep
 * deletes 200,000 finished rows two days old, and how long that sweep took; (1) again last (after a warm-up run). Arguments: fast items (20,000). Run:
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.berth.work.PostgresFeaturesMain};
 * with {@code -Dexec.args="20000 backlog"}: instead, behind 50,000 due rows of the limited type.
 */
public final class PostgresFeaturesMain {

  private static final Postgres pg = Postgres.shared();

  public static void main(String[] args) throws Exception {
    int fast = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    if (args.length > 1 && args[1].equals("cut")) {
      cut();
      System.exit(0);
    }
    run("warm-up (JIT, prepared statements)", fast, 0, 0);
    if (args.length > 1 && args[1].equals("backlog")) {
      // 50,000 due rows of the limited type ahead of every fast one: the other types' claim walks past them.
      run("50,000 due rows of the slow type (limit 2) queued first", fast, -50_000, 0);
      System.exit(0);
    }
    run("no limits, no sweep", fast, 0, 0);
    run("slow type limited to 2 (500 slow items of 20 ms queued first)", fast, 500, 0);
    run("retention sweep of 200,000 finished rows meanwhile", fast, 0, 200_000);
    run("no limits, no sweep, again", fast, 0, 0);
    System.exit(0);
  }

  private static void run(String name, int fast, int slow, int old) throws Exception {
    String db = pg.database();
    if (old > 0 || slow < 0) {
      // The schema first (a host creates it), then the old rows, then the measured host.
      Vertx v = Vertx.vertx();
      Host h = host(v, db, new LongAdder());
      h.start().toCompletionStage().toCompletableFuture().get();
      h.stop().toCompletionStage().toCompletableFuture().get();
      v.close().toCompletionStage().toCompletableFuture().get();
      try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at, enqueued_at,"
            + " started_at, finished_at) SELECT 'old-' || g, 'q', 'noop', '{\"n\": 1}', 'succeeded', 1, now(), now(),"
            + " now(), now() - interval '2 days' FROM generate_series(1, " + old + ") g");
        s.executeUpdate("INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at, enqueued_at)"
            + " SELECT 'slow-' || g, 'q', 'slow', '{}', 'queued', 0, now() - interval '1 minute', now()"
            + " FROM generate_series(1, " + Math.max(0, -slow) + ") g");
        s.execute("VACUUM ANALYZE berth_items");
      }
    }
    Vertx vertx = Vertx.vertx();
    LongAdder ran = new LongAdder();
    Host host = host(vertx, db, ran);
    long t0 = System.nanoTime();
    host.start().toCompletionStage().toCompletableFuture().get();
    WorkQueue q = host.work().queue("q");
    Semaphore inFlight = new Semaphore(256);
    for (int i = 0; i < Math.max(0, slow); i++) {
      inFlight.acquire();
      q.enqueue("slow", new JsonObject()).onComplete(ar -> inFlight.release());
    }
    long begun = System.nanoTime();
    for (int i = 0; i < fast; i++) {
      inFlight.acquire();
      Future<String> f = q.enqueue("noop", new JsonObject().put("n", i));
      f.onComplete(ar -> inFlight.release());
    }
    while (ran.sum() < fast) {
      Thread.sleep(5);
    }
    double secs = (System.nanoTime() - begun) / 1e9;
    String sweep = "";
    if (old > 0) {
      while (left(db) > 0) {
        Thread.sleep(50);
      }
      sweep = String.format("; sweep of %,d rows done %.1f s after start", old, (System.nanoTime() - t0) / 1e9);
    }
    System.out.printf("%s: %,d no-op items end to end in %.2f s = %.0f items/s%s%n", name, fast, secs, fast / secs,
        sweep);
    host.stop().toCompletionStage().toCompletableFuture().get();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  /** The idle sweep's cost: the retention cut of one queue (count 10,000, time 7 d) over 10,000 and 1,000,000 rows. */
  private static void cut() throws Exception {
    String db = pg.database();
    Vertx v = Vertx.vertx();
    Host h = host(v, db, new LongAdder());
    h.start().toCompletionStage().toCompletableFuture().get();
    h.stop().toCompletionStage().toCompletableFuture().get();
    v.close().toCompletionStage().toCompletableFuture().get();
    String sql = PostgresItemStore.RETENTION_CUT.replace("$1", "'q'").replace("$2", "10000")
        .replace("$3", "604800000");
    int have = 0;
    for (int rows : new int[] {10_000, 1_000_000}) {
      try (Connection c = pg.connect(db); Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at, enqueued_at,"
            + " started_at, finished_at) SELECT 'done-' || g, 'q', 'noop', '{}', 'succeeded', 1, now(), now(), now(),"
            + " now() - g * interval '1 millisecond' FROM generate_series(" + (have + 1) + ", " + rows + ") g");
        have = rows;
        s.execute("VACUUM ANALYZE berth_items");
        for (int i = 0; i < 5; i++) {
          s.executeQuery(sql).close();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 50; i++) {
          s.executeQuery(sql).close();
        }
        System.out.printf("retention cut over %,d finished rows: %.2f ms per look%n", rows,
            (System.nanoTime() - t0) / 50 / 1e6);
      }
    }
  }

  private static long left(String db) throws Exception {
    try (Connection c = pg.connect(db); Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT count(*) FROM berth_items WHERE id LIKE 'old-%'")) {
      r.next();
      return r.getLong(1);
    }
  }

  private static Host host(Vertx vertx, String db, LongAdder ran) {
    return Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(5)))
        .config(ConfigReader.of(new JsonObject().put("store", PgNodes.storeConfig(pg.url(db))
            .put("pollInterval", "1s"))))
        .queue(new QueueOptions("q").capacity(10_000_000).concurrency(8).concurrency("slow", 2)
            .retention(Duration.ofDays(1), 10_000_000))
        .handler("noop", ctx -> ran.increment())
        .handler("slow", ctx -> Thread.sleep(20))
        .build();
  }
}
