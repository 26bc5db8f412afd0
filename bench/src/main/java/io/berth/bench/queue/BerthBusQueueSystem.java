package io.berth.bench.queue;

import io.berth.bench.core.Futures;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueues;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.Semaphore;

/**
 * Berth's queue reached through its event-bus address {@code berth.queue.<name>} (a request per item, answered
 * with the id), as another verticle or, later, another node does. At most {@code capacity} requests are
 * outstanding, so the producer is held back by the queue's own bound, not by timeouts.
 */
public final class BerthBusQueueSystem implements QueueSystem {

  private Host host;
  private EventBus bus;
  private Semaphore outstanding;
  private int threads;

  @Override public String name() { return "Berth queue via event bus(" + threads + " workers)"; }

  @Override public void start(int threads, ItemHandler handler) throws Exception {
    this.threads = threads;
    Vertx vertx = Vertx.vertx();
    host = Host.builder().vertx(vertx, true)
        .queue(new QueueOptions("bench").concurrency(threads).capacity(BerthQueueSystem.CAPACITY))
        .handler("noop", ctx -> handler.onRun(ctx.payload().getLong("n")))
        .build();
    Futures.await(host.start());
    bus = vertx.eventBus();
    outstanding = new Semaphore(BerthQueueSystem.CAPACITY);
  }

  @Override public void submit(long payload) throws Exception {
    outstanding.acquire();
    WorkQueues.request(bus, "bench", "noop", new JsonObject().put("n", payload), 30_000)
        .onComplete(ar -> outstanding.release());
  }

  @Override public void close() throws Exception {
    Futures.await(host.stop());
  }

  @Override public String notes() {
    return "event-bus request per item, " + BerthQueueSystem.CAPACITY + " outstanding at most";
  }
}
