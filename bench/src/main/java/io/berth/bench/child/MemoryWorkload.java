package io.berth.bench.child;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Skipped;
import io.berth.bench.core.Workload;
import io.berth.bench.durable.BerthDurable;
import io.berth.bench.durable.DurableFiles;
import io.berth.bench.durable.Pg;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory: a child JVM per system ({@link Child#JVM_FLAGS}, the same for all) holding N queued items that nothing
 * runs; its VmRSS once they are accepted, and the heap in use after a full GC. Berth: a {@link BerthChild} with a
 * paused queue, durable (SQLite FULL; PostgreSQL when the product has it) and in memory. Peers: a {@link PeerChild}
 * (no workers). A peer that cannot accept N items within the fill bound holds fewer; the note says how many.
 * Quick mode leaves out the peers on a database (their fill is slow and their items live outside the JVM) and
 * JobRunr in memory (its fill runs into the bound), each with a "skipped: in quick mode" row.
 * One child per system (RSS of a fresh JVM varies little; 3 would triple the workload's time).
 */
public final class MemoryWorkload implements Workload {
  public static final String NAME = "memory";

  record Target(String name, String peer, BerthDurable.Store berthStore, boolean berthMemory) {}

  static List<Target> targets() {
    return List.of(
        new Target("Berth in-memory", null, null, true),
        new Target("Berth SQLite (FULL)", null, BerthDurable.Store.SQLITE, false),
        new Target("Berth PostgreSQL", null, BerthDurable.Store.POSTGRES, false),
        new Target("JobRunr in-memory", "jobrunr-memory", null, false),
        new Target("Quartz RAMJobStore", "quartz-ram", null, false),
        new Target("JobRunr SQLite", "jobrunr-sqlite", null, false),
        new Target("JobRunr PostgreSQL", "jobrunr-postgres", null, false),
        new Target("db-scheduler PostgreSQL", "dbscheduler-postgres", null, false),
        new Target("Quartz JDBC PostgreSQL", "quartz-postgres", null, false));
  }

  @Override public String name() { return NAME; }

  /** Seconds a child may take to accept its items. */
  static int fillSeconds(BenchConfig cfg) { return cfg.quick() ? 8 : 12; }

  @Override public List<Result> run(BenchConfig cfg) {
    List<Result> out = new ArrayList<>();
    int items = cfg.memoryItems();
    for (Target t : targets()) {
      if (!cfg.systemSelected(t.name())) continue;
      if (cfg.quick() && t.peer() != null && !t.peer().endsWith("ram")) {
        out.add(new Skipped("in quick mode (" + (t.peer().endsWith("memory") ? "its fill takes the whole bound"
            : "a database peer: slow fill, its items live outside the JVM") + "; measured in full mode)")
            .row(NAME, t.name()));
        continue;
      }
      long[] held = {items};
      Harness.Repeated r = Harness.repeat(NAME + " " + t.name(), 0, 1, i -> {
        Map<String, Double> m = once(cfg, t, items);
        held[0] = Math.min(held[0], m.get("items held").longValue());
        return m;
      });
      if (r.abortReason() != null && r.abortReason().contains(SKIP_MARK)) {
        String reason = r.abortReason().substring(r.abortReason().indexOf(SKIP_MARK) + SKIP_MARK.length());
        out.add(new Skipped(reason).row(NAME, t.name()));
        continue;
      }
      String notes = (held[0] < items ? "only " + held[0] + " of " + items + " items accepted in " + fillSeconds(cfg)
          + " s" : items + " items queued") + "; child JVM " + String.join(" ", Child.JVM_FLAGS)
          + (t.peer() != null && t.peer().endsWith("postgres") || t.berthStore() == BerthDurable.Store.POSTGRES
          ? "; the PostgreSQL server's memory is not counted" : "");
      out.add(Harness.result(NAME, t.name(), r, "RSS", "MiB", false, notes));
      out.add(Harness.result(NAME, t.name(), r, "heap after GC", "MiB", false, ""));
    }
    return out;
  }

  static final String SKIP_MARK = "SKIPPED:";

  static Map<String, Double> once(BenchConfig cfg, Target t, int items) throws Exception {
    Path dir = Files.createTempDirectory("berth-bench-memory");
    try {
      Child c;
      if (t.peer() != null) {
        List<String> jvm = t.peer().endsWith("postgres") ? List.of("-Dbench.pg.port=" + Pg.port()) : List.of();
        c = Child.java(cfg.benchJar(), dir, jvm, PeerChild.class.getName(), t.peer(), String.valueOf(items),
            String.valueOf(fillSeconds(cfg)));
      } else {
        JsonObject store = t.berthMemory() ? new JsonObject().put("type", "memory")
            : BerthDurable.storeConfig(t.berthStore(), dir,
                t.berthStore() == BerthDurable.Store.POSTGRES ? Pg.createDatabase("berthmem") : null);
        JsonObject conf = new JsonObject().put("store", store)
            .put("queues", new JsonObject().put("default", new JsonObject().put("capacity", Math.max(items, 1))))
            .put("app", new JsonObject().put("paused", true).put("fill", items).put("fillSeconds", fillSeconds(cfg)));
        Path file = dir.resolve("child.json");
        Files.writeString(file, conf.encodePrettily());
        c = Child.java(cfg.benchJar(), dir, List.of(), BerthChild.class.getName(), file.toString());
      }
      try (c) {
        String line = c.await(cfg.childTimeout(), "FILLED", "CONFIG-ERROR");
        if (line.startsWith("CONFIG-ERROR")) {
          throw new IllegalStateException(SKIP_MARK + "product refuses the config (" + line.substring(13) + ")");
        }
        String[] f = line.split(" ");
        Thread.sleep(500);   // let the last allocations settle before reading RSS
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("RSS", c.rssMiB());
        m.put("heap after GC", Long.parseLong(f[2]) / (1024.0 * 1024.0));
        m.put("items held", Double.parseDouble(f[1]));
        Log.progress("%s %s: %s items, RSS %.0f MiB", NAME, t.name(), f[1], m.get("RSS"));
        return m;
      }
    } finally {
      DurableFiles.deleteTree(dir);
    }
  }
}
