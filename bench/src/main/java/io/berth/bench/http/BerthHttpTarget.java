package io.berth.bench.http;

import io.berth.admin.HttpOptions;
import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Futures;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Berth's admin route {@code POST /api/v1/queues/default/items} in this process: bearer check, size-limited JSON
 * body, validation, admission to the {@code default} queue (items run a no-op handler) and the 202 answer.
 */
public final class BerthHttpTarget implements HttpTarget {

  private Host host;
  private Path dir;

  @Override public String name() { return "Berth admin route"; }

  @Override public Endpoint start(BenchConfig cfg) throws Exception {
    dir = Files.createTempDirectory("berth-bench-http");
    host = Host.builder().vertx(Vertx.vertx(), true)
        .queue(new QueueOptions("default").capacity(BerthHttpTarget.CAPACITY))
        .handler("noop", ctx -> { })
        .http(new HttpOptions().port(0).token(BareVertxHttpTarget.TOKEN).tokenFile(dir.resolve("admin.token")))
        .build();
    Futures.await(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    return new Endpoint(URI.create("http://127.0.0.1:" + port + BareVertxHttpTarget.PATH), BareVertxHttpTarget.TOKEN);
  }

  static final int CAPACITY = 1000;

  @Override public void close() throws Exception {
    try {
      Futures.await(host.stop());
    } finally {
      io.berth.bench.durable.DurableFiles.deleteTree(dir);
    }
  }

  @Override public String notes() { return "same process; auth, JSON checks, admission to the default queue, 202"; }
}
