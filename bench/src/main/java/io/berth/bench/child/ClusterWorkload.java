package io.berth.bench.child;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Harness;
import io.berth.bench.core.Log;
import io.berth.bench.core.Result;
import io.berth.bench.core.Skipped;
import io.berth.bench.core.Stats;
import io.berth.bench.core.Workload;
import io.berth.bench.durable.BerthDurable;
import io.berth.bench.durable.DurableFiles;
import io.berth.bench.durable.Pg;
import io.berth.bench.start.ProcessLauncher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Cluster (Berth only): two {@link BerthChild} JVMs in one cluster ({@code cluster.*}: TCP-IP members on 127.0.0.1)
 * sharing the bench's PostgreSQL ({@code store.type: postgres}), each with 4 workers and a singleton background
 * service ({@code services.bench-singleton.singleton: true}).
 * <ul>
 *   <li>cross-node enqueue-to-start: items POSTed to node A at 500/s carrying their epoch microseconds; the latency
 *       of those that ran on node B (same machine, same clock), p50/p99;</li>
 *   <li>throughput: N items POSTed to node A by 32 connections, until all have run: 2 nodes, then node B stopped
 *       and the same with 1 node;</li>
 *   <li>singleton failover: kill -9 of the node holding the singleton, until the other node runs it (the time it
 *       started, as it reports it), then the killed node is started again; median and max.</li>
 * </ul>
 * When the product refuses the config (no cluster or no PostgreSQL store yet) the workload says "skipped".
 */
public final class ClusterWorkload implements Workload {
  public static final String NAME = "cluster";
  static final String TWO = "Berth 2 nodes PostgreSQL";
  static final String ONE = "Berth 1 node PostgreSQL";

  @Override public String name() { return NAME; }

  /**
   * {@code -Dbench.cluster.dryRun=true}: two separate SQLite nodes, no {@code cluster} section, no failover: checks
   * the workload's own mechanics (HTTP posting, the probes) on a product without the cluster. Its figures mean nothing.
   */
  static final boolean DRY_RUN = Boolean.getBoolean("bench.cluster.dryRun");

  /** One node: its ports, its config file and, while it runs, its process. */
  static final class Node implements AutoCloseable {
    final String name;
    final int httpPort;
    final int clusterPort;
    final Api api;
    Path conf;
    Child child;

    Node(String name) throws Exception {
      this.name = name;
      this.httpPort = ProcessLauncher.freePort();
      this.clusterPort = ProcessLauncher.freePort();
      this.api = new Api(httpPort);
    }

    /** Extra JVM flags of this node's child (the diagnostic {@link ClusterTrace} sets some). */
    List<String> jvm = List.of();

    void start(BenchConfig cfg, Path dir) throws Exception {
      closePacer();   // a new process: new connections
      child = Child.java(cfg.benchJar(), dir, jvm, BerthChild.class.getName(), conf.toString());
      String line = child.await(cfg.childTimeout(), "STARTED", "CONFIG-ERROR");
      if (line.startsWith("CONFIG-ERROR")) throw new Skipped("product refuses the cluster config (" + line.substring(13) + ")");
    }

    long holdingSince() {
      JsonObject o = api.get("/bench/singleton");
      return o == null ? 0 : o.getLong("holdingSinceMicros", 0L);
    }

    JsonObject latency(boolean reset) {
      return api.get("/bench/latency" + (reset ? "?reset=1" : ""));
    }

    private Pacer pacer;

    /** This node's paced client, made at its first use and kept while the node runs (its connections stay warm). */
    Pacer pacer() {
      if (pacer == null) pacer = new Pacer(httpPort);
      return pacer;
    }

    private void closePacer() {
      if (pacer != null) {
        pacer.close();
        pacer = null;
      }
    }

    @Override public void close() throws InterruptedException {
      if (child != null) child.close();
      closePacer();
    }
  }

  @Override public List<Result> run(BenchConfig cfg) throws Exception {
    if (!cfg.systemSelected("Berth")) return List.of();
    if (cfg.quick() && !cfg.workloads().contains(NAME)) {
      // Two JVMs forming a cluster, a failover and a restart take about a minute: half of the quick run's budget.
      return List.of(new Skipped("in quick mode unless asked for (scripts/bench --quick --only cluster, about 1 min)")
          .row(NAME, TWO));
    }
    Path dir = Files.createTempDirectory("berth-bench-cluster");
    Node a = new Node("A");
    Node b = new Node("B");
    List<Result> out = new ArrayList<>();
    try {
      String db = DRY_RUN ? null : Pg.createDatabase("cluster");
      configure(dir, a, b, db);
      long t0 = System.nanoTime();
      a.start(cfg, dir.resolve("A"));
      b.start(cfg, dir.resolve("B"));
      double formed = DRY_RUN ? Double.NaN : awaitTwoNodes(a, Duration.ofSeconds(60));
      Log.progress("cluster: 2 nodes up in %.1f s (members seen after %.1f s)", (System.nanoTime() - t0) / 1e9, formed);

      // Throughput first: its 32,000 items are also the latency's warm-up. Measured right after the nodes started,
      // the latency was the JIT's: its compiler threads took 0.6 of the 2 cores for the first 40 s or so.
      int items = cfg.clusterThroughputItems();
      Harness.Repeated two = Harness.repeat(NAME + " throughput 2 nodes", cfg.warmups(), cfg.slowReps(),
          i -> throughput(cfg, a, List.of(a, b), i < cfg.warmups() ? items / 5 : items));
      String tn = items + " items POSTed to node A, 32 requests in flight (one client event loop), until all have run";

      Harness.Repeated lat = Harness.repeat(NAME + " cross-node latency", cfg.warmups(), cfg.slowReps(),
          i -> crossNode(cfg, a, b, i < cfg.warmups() ? cfg.clusterLatencyItems() / 2 : cfg.clusterLatencyItems()));
      out.add(Harness.result(NAME, TWO, lat, "cross-node p50 @500/s", "ms", false, cfg.clusterLatencyItems()
          + " items POSTed to node A at " + cfg.clusterRatePerSec() + "/s (open loop, sent on schedule), after the"
          + " throughput runs; latency of those run on node B"));
      out.add(Harness.result(NAME, TWO, lat, "cross-node p99 @500/s", "ms", false, ""));
      out.add(Harness.result(NAME, TWO, lat, "share run on B", "%", true, ""));
      out.add(Harness.result(NAME, TWO, two, "items/s", "items/s", true, tn));

      String fn = cfg.failoverReps() + " kills of the holder (kill -9); from the kill to the other node running it";
      try {
        if (DRY_RUN) throw new IllegalStateException("dry run: two separate nodes, no failover");
        List<Double> times = failover(cfg, dir, a, b);
        out.add(new Result(NAME, TWO, "failover median", Stats.median(times), "s", false, times, fn));
        out.add(new Result(NAME, TWO, "failover max", times.stream().mapToDouble(Double::doubleValue).max()
            .orElse(Double.NaN), "s", false, times, ""));
      } catch (Exception e) {
        Log.progress("cluster failover failed: %s", e);
        out.add(new Result(NAME, TWO, "failover median", Double.NaN, "s", false, List.of(), fn + "; failed: " + e));
      }

      b.close();
      Harness.Repeated one = Harness.repeat(NAME + " throughput 1 node", cfg.warmups(), cfg.slowReps(),
          i -> throughput(cfg, a, List.of(a), i < cfg.warmups() ? items / 5 : items));
      out.add(Harness.result(NAME, ONE, one, "items/s", "items/s", true, tn + "; node B stopped"));
    } catch (Skipped s) {
      Log.progress("cluster: skipped: %s", s.getMessage());
      out.add(s.row(NAME, TWO));
    } finally {
      a.close();
      b.close();
      DurableFiles.deleteTree(dir);
    }
    return out;
  }

  /** Writes each node's config ({@code <dir>/<name>/node.json}): the shared database {@code db}, one cluster. */
  static void configure(Path dir, Node a, Node b, String db) throws Exception {
    String clusterName = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    JsonArray members = new JsonArray().add("127.0.0.1:" + a.clusterPort).add("127.0.0.1:" + b.clusterPort);
    for (Node n : List.of(a, b)) {
      Files.createDirectories(dir.resolve(n.name));
      JsonObject conf = new JsonObject()
          .put("store", BerthDurable.storeConfig(DRY_RUN ? BerthDurable.Store.SQLITE : BerthDurable.Store.POSTGRES,
              dir.resolve(n.name), db))
          .put("queues", new JsonObject().put("default", new JsonObject().put("capacity", 1_000_000).put("concurrency", 4)));
      if (!DRY_RUN) {
        conf.put("cluster", new JsonObject().put("enabled", true).put("name", clusterName).put("members", members)
                .put("host", "127.0.0.1").put("port", n.clusterPort))
            .put("services", new JsonObject().put("bench-singleton", new JsonObject().put("singleton", true)));
      }
      conf
          .put("http", Api.httpConfig(n.httpPort, dir.resolve(n.name)))
          .put("app", new JsonObject().put("probe", true));
      n.conf = dir.resolve(n.name).resolve("node.json");
      Files.writeString(n.conf, conf.encodePrettily());
    }
  }

  /** Seconds until {@code GET /api/v1/nodes} on {@code a} lists two nodes (NaN when the route never answers). */
  static double awaitTwoNodes(Node a, Duration timeout) throws InterruptedException {
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < timeout.toNanos()) {
      JsonObject o = a.api.get("/api/v1/nodes");
      if (o != null && o.getJsonArray("nodes", new JsonArray()).size() >= 2) return (System.nanoTime() - t0) / 1e9;
      Thread.sleep(200);
    }
    return Double.NaN;
  }

  static Map<String, Double> crossNode(BenchConfig cfg, Node a, Node b, int items) throws Exception {
    a.latency(true);
    b.latency(true);
    pace(a, items, cfg.clusterRatePerSec());
    awaitRun(List.of(a, b), items, cfg.durableRunTimeout());
    JsonObject lb = b.latency(false);
    JsonObject la = a.latency(false);
    if (lb.getLong("run", 0L) == 0) {
      throw new IllegalStateException("no item ran on node B: the nodes do not share the queue");
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("cross-node p50 @500/s", lb.getLong("p50Micros") / 1e3);
    m.put("cross-node p99 @500/s", lb.getLong("p99Micros") / 1e3);
    m.put("share run on B", 100.0 * lb.getLong("run") / Math.max(1, lb.getLong("run") + la.getLong("run")));
    return m;
  }

  /**
   * POSTs {@code items} no-op items to {@code a} at {@code rate}/s (absolute targets, open loop: see {@link Pacer}),
   * each carrying its epoch microseconds taken on schedule, just before the request is written.
   */
  static void pace(Node a, int items, int rate) throws Exception {
    a.pacer().pace(items, rate);
  }

  static void awaitRun(List<Node> nodes, int items, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long run = 0;
    while (System.nanoTime() < deadline) {
      run = 0;
      for (Node n : nodes) {
        JsonObject l = n.latency(false);
        if (l != null) run += l.getLong("run", 0L);
      }
      if (run >= items) return;
      Thread.sleep(20);
    }
    throw new Harness.RunTimeout(run + "/" + items + " items run within " + timeout.toSeconds() + " s", null);
  }

  static Map<String, Double> throughput(BenchConfig cfg, Node entry, List<Node> nodes, int items) throws Exception {
    for (Node n : nodes) n.latency(true);
    long t0 = System.nanoTime();
    int failed = entry.pacer().burst(items, 32);
    awaitRun(nodes, items - failed, cfg.durableRunTimeout());
    if (failed > 0) throw new IllegalStateException(failed + " enqueues not accepted (202)");
    return Map.of("items/s", items / ((System.nanoTime() - t0) / 1e9));
  }

  /** {@code failoverReps} kills of the holder; each killed node is started again before the next. */
  static List<Double> failover(BenchConfig cfg, Path dir, Node a, Node b) throws Exception {
    List<Double> times = new ArrayList<>();
    for (int rep = 0; rep < cfg.failoverReps(); rep++) {
      Node holder = null;
      long deadline = System.nanoTime() + cfg.childTimeout().toNanos();
      while (holder == null && System.nanoTime() < deadline) {
        if (a.holdingSince() > 0) holder = a;
        else if (b.holdingSince() > 0) holder = b;
        else Thread.sleep(50);
      }
      if (holder == null) throw new IllegalStateException("no node holds the singleton");
      Node other = holder == a ? b : a;
      long killedAt = BerthChild.epochMicros();
      holder.child.kill9();
      long since = 0;
      while (since == 0 && System.nanoTime() < deadline) {
        since = other.holdingSince();
        if (since == 0) Thread.sleep(20);
      }
      if (since == 0) throw new IllegalStateException("the singleton did not move to node " + other.name);
      double s = (since - killedAt) / 1e6;
      times.add(s);
      Log.progress("cluster failover %d/%d: %.2f s (node %s killed, node %s took over)", rep + 1, cfg.failoverReps(),
          s, holder.name, other.name);
      holder.start(cfg, dir.resolve(holder.name));
      awaitTwoNodes(other, Duration.ofSeconds(60));
    }
    return times;
  }
}
