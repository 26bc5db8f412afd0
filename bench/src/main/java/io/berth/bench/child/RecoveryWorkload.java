package io.berth.bench.child;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Result;
import io.berth.bench.core.Workload;
import io.berth.bench.durable.DurableFiles;
import io.berth.bench.start.ProcessLauncher;
import io.berth.bench.start.StartTarget;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovery: N items queued in Berth's SQLite store, the process killed with -9, the product jar
 * ({@code target/berth.jar}) restarted on the same file: seconds from the restart until the first item is seen
 * running and until all have succeeded. The items are {@code demo.sleep} with {@code ms: 0} (a no-op the jar knows).
 * They are put there by a {@link BerthChild} whose handler blocks, so 4 items are left {@code running} and the rest
 * {@code queued} at the kill, as after a crash under load. Progress is read from {@code GET /api/v1/queues} every
 * 20 ms; once all are done, the first and last runs are read from the items' own {@code startedAt}/{@code finishedAt}
 * (the first 16 items accepted; the newest 100), since the queue drains before the HTTP server answers.
 */
public final class RecoveryWorkload implements Workload {
  public static final String NAME = "recovery";

  @Override public String name() { return NAME; }

  @Override public List<Result> run(BenchConfig cfg) {
    if (!cfg.systemSelected("Berth")) return List.of();
    int items = cfg.recoveryItems();
    Harness.Repeated r = Harness.repeat(NAME, 0, cfg.recoveryReps(), i -> once(cfg, items));
    String notes = items + " items (4 running, the rest queued) at kill -9; java -jar target/berth.jar, SQLite FULL";
    List<Result> out = new ArrayList<>();
    out.add(Harness.result(NAME, "Berth jar SQLite", r, "to API up", "s", false, notes));
    out.add(Harness.result(NAME, "Berth jar SQLite", r, "to first item run", "s", false,
        "the earliest startedAt of the first 16 items accepted"));
    out.add(Harness.result(NAME, "Berth jar SQLite", r, "to all done", "s", false, ""));
    out.add(Harness.result(NAME, "Berth jar SQLite", r, "drain rate", "items/s", true, "items / (all done - first run)"));
    return out;
  }

  /** Seconds from the spawn to the earliest {@code startedAt} among the first items accepted (NaN if none). */
  static double firstStart(Api api, List<String> ids, long spawnedAtMillis) {
    double best = Double.NaN;
    for (String id : ids) {
      JsonObject st = api.get("/api/v1/queues/default/items/" + id);
      if (st == null || st.getString("startedAt") == null) continue;
      double s = (java.time.Instant.parse(st.getString("startedAt")).toEpochMilli() - spawnedAtMillis) / 1e3;
      best = Double.isNaN(best) ? s : Math.min(best, s);
    }
    return best;
  }

  /** Seconds from the spawn to the latest {@code finishedAt} among the newest 100 succeeded items (NaN if none). */
  static double lastFinish(Api api, long spawnedAtMillis) {
    JsonObject page = api.get("/api/v1/queues/default/items?state=succeeded&limit=100");
    double best = Double.NaN;
    if (page == null) return best;
    io.vertx.core.json.JsonArray arr = page.getJsonArray("items", new io.vertx.core.json.JsonArray());
    for (int i = 0; i < arr.size(); i++) {
      String f = arr.getJsonObject(i).getString("finishedAt");
      if (f == null) continue;
      double s = (java.time.Instant.parse(f).toEpochMilli() - spawnedAtMillis) / 1e3;
      best = Double.isNaN(best) ? s : Math.max(best, s);
    }
    return best;
  }

  static Map<String, Double> once(BenchConfig cfg, int items) throws Exception {
    Path dir = Files.createTempDirectory("berth-bench-recovery");
    List<String> firstIds = new ArrayList<>();
    try {
      Path db = dir.resolve("berth.db");
      JsonObject store = new JsonObject().put("type", "sqlite").put("path", db.toString()).put("synchronous", "full");
      JsonObject fill = new JsonObject()
          .put("store", store)
          .put("queues", new JsonObject().put("default", new JsonObject().put("capacity", 1_000_000).put("concurrency", 4)))
          .put("app", new JsonObject().put("type", "demo.sleep").put("payload", new JsonObject().put("ms", 0))
              .put("block", true).put("fill", items));
      Path fillConf = dir.resolve("fill.json");
      Files.writeString(fillConf, fill.encodePrettily());
      try (Child filler = Child.java(cfg.benchJar(), dir, List.of(), BerthChild.class.getName(), fillConf.toString())) {
        String line;
        while ((line = filler.await(cfg.childTimeout(), "FILLED", "CONFIG-ERROR", "ID ")).startsWith("ID ")) {
          firstIds.add(line.substring(3).trim());
        }
        if (line.startsWith("CONFIG-ERROR")) throw new IllegalStateException(line);
        long n = Long.parseLong(line.split(" ")[1]);
        if (n != items) throw new IllegalStateException("only " + n + "/" + items + " items accepted");
        filler.kill9();
      }
      int port = ProcessLauncher.freePort();
      JsonObject conf = new JsonObject()
          .put("store", store)
          .put("queues", new JsonObject().put("default", new JsonObject().put("capacity", 1_000_000)
              .put("statusRetention", items)))
          .put("http", Api.httpConfig(port, dir));
      Path jarConf = dir.resolve("berth.json");
      Files.writeString(jarConf, conf.encodePrettily());
      Api api = new Api(port);
      List<String> cmd = List.of(StartTarget.javaExecutable(), "-jar",
          Path.of(System.getProperty("bench.productJar", "target/berth.jar")).toAbsolutePath().toString(),
          "--conf", jarConf.toString());
      double up = Double.NaN;
      double first = Double.NaN;
      long spawnedAtMillis = System.currentTimeMillis();
      try (Child jar = Child.start(cmd, dir)) {
        long deadline = jar.startedNanos + cfg.childTimeout().toNanos();
        while (true) {
          if (!jar.alive()) throw new IllegalStateException("the jar exited; output: " + jar.tail());
          if (System.nanoTime() > deadline) {
            throw new Harness.RunTimeout("not all items done within " + cfg.childTimeout().toSeconds() + " s", null);
          }
          JsonObject q = api.queue("default");
          double s = (System.nanoTime() - jar.startedNanos) / 1e9;
          if (q != null) {
            if (Double.isNaN(up)) up = s;
            long done = q.getLong("succeeded", 0L);
            if (Double.isNaN(first) && (done > 0 || q.getInteger("inFlight", 0) > 0)) first = s;
            if (done >= items && q.getInteger("depth", 0) == 0 && q.getInteger("inFlight", 0) == 0) {
              // The items' own timestamps are sharper than the polls, which start only once HTTP is up.
              double fs = firstStart(api, firstIds, spawnedAtMillis);
              double lf = lastFinish(api, spawnedAtMillis);
              double firstStart = Double.isNaN(fs) ? first : Math.min(first, fs);
              double lastEnd = Double.isNaN(lf) ? s : Math.min(s, lf);
              Map<String, Double> m = new LinkedHashMap<>();
              m.put("to API up", up);
              m.put("to first item run", firstStart);
              m.put("to all done", lastEnd);
              m.put("drain rate", items / Math.max(1e-3, lastEnd - firstStart));
              return m;
            }
          }
          Thread.sleep(20);
        }
      }
    } finally {
      DurableFiles.deleteTree(dir);
    }
  }
}
