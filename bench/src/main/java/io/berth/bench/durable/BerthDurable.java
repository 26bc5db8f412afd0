package io.berth.bench.durable;

import io.berth.bench.core.Futures;
import io.berth.bench.core.Skipped;
import io.berth.bench.queue.ItemHandler;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Berth's durable queue in this process, configured as a user would, through the config JSON
 * ({@code store.*}, {@code queues.bench.*}): SQLite with {@code synchronous: full}, or PostgreSQL
 * ({@code store.type: postgres}, {@code store.url} as a {@code postgresql://} URI) on the bench's server. Producers
 * call {@link WorkQueue#enqueue(String, JsonObject)} and wait for its future: completed means committed.
 * Accept-only runs pause the queue (it admits, starts nothing).
 */
public final class BerthDurable implements DurableSystem {

  /** The kinds of store measured. */
  public enum Store { SQLITE, POSTGRES }

  static final int CAPACITY = 10_000_000;
  static final int PG_POOL = 8;

  private final Store store;
  private Host host;
  private WorkQueue queue;
  private Path dir;

  public BerthDurable(Store store) {
    this.store = store;
  }

  @Override public String name() {
    return store == Store.SQLITE ? "Berth SQLite (FULL)" : "Berth PostgreSQL";
  }

  /** The config of a host whose items are kept in {@code store}; {@code null} db for SQLite. */
  public static JsonObject storeConfig(Store store, Path dir, String pgDatabase) throws Exception {
    if (store == Store.SQLITE) {
      return new JsonObject().put("type", "sqlite").put("path", dir.resolve("berth.db").toString())
          .put("synchronous", "full");
    }
    return new JsonObject().put("type", "postgres").put("url", Pg.uri(pgDatabase))
        .put("user", Pg.USER).put("password", Pg.PASSWORD).put("poolSize", PG_POOL);
  }

  /** Turns the product's refusal of the store config into a skip. */
  public static Skipped skipFor(Store store, ConfigException e) {
    return new Skipped("product has no " + (store == Store.POSTGRES ? "postgres" : "sqlite") + " store ("
        + e.getMessage() + ")");
  }

  @Override public void start(int workers, ItemHandler handler) throws Exception {
    dir = Files.createTempDirectory("berth-bench-durable");
    JsonObject conf = new JsonObject()
        .put("store", storeConfig(store, dir, store == Store.POSTGRES ? Pg.createDatabase("berth") : null))
        .put("queues", new JsonObject().put("bench", new JsonObject()
            .put("capacity", CAPACITY).put("concurrency", Math.max(1, workers))));
    Vertx vertx = Vertx.vertx();
    try {
      host = Host.builder().vertx(vertx, true)
          .config(ConfigReader.of(conf))
          .queue(new QueueOptions("bench"))
          .handler("noop", ctx -> handler.onRun(ctx.payload().getLong("n")))
          .build();
    } catch (ConfigException e) {
      vertx.close();
      if (e.getMessage() != null && e.getMessage().contains("store")) throw skipFor(store, e);
      throw e;
    }
    Futures.await(host.start());
    queue = host.work().queue("bench");
    if (workers == 0) Futures.await(queue.pause());
  }

  @Override public void enqueue(long payload) throws Exception {
    Futures.await(queue.enqueue("noop", new JsonObject().put("n", payload)));
  }

  @Override public void close() throws Exception {
    if (host != null) Futures.await(host.stop());
    if (dir != null) DurableFiles.deleteTree(dir);
  }

  @Override public String notes() {
    return store == Store.SQLITE ? "in process, WorkQueue.enqueue futures; WAL, synchronous=FULL"
        : "in process, WorkQueue.enqueue futures; pool " + PG_POOL;
  }
}
