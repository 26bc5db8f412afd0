package io.berth.bench.queue;

import io.berth.bench.core.Futures;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Berth's in-memory queue, used as an application would: a host with one queue of {@code concurrency} T and a
 * typed handler; the producer calls {@link WorkQueue#enqueue(String, JsonObject)} (the same admission step as the
 * HTTP route and the event-bus address) and waits only when the queue is full ({@code fullMode: wait}).
 */
public final class BerthQueueSystem implements QueueSystem {

  /** Room for a burst, as a tuned queue would have; the producer still waits whenever it is full. */
  static final int CAPACITY = 4096;

  private Host host;
  private WorkQueue queue;
  private int threads;

  @Override public String name() { return "Berth queue(" + threads + " workers)"; }

  @Override public void start(int threads, ItemHandler handler) throws Exception {
    this.threads = threads;
    host = Host.builder().vertx(Vertx.vertx(), true)
        .queue(new QueueOptions("bench").concurrency(threads).capacity(CAPACITY))
        .handler("noop", ctx -> handler.onRun(ctx.payload().getLong("n")))
        .build();
    Futures.await(host.start());
    queue = host.work().queue("bench");
  }

  @Override public void submit(long payload) throws Exception {
    Future<String> f = queue.enqueue("noop", new JsonObject().put("n", payload));
    if (!f.isComplete()) {
      Futures.await(f);   // full: wait for room, as fullMode wait means
    } else if (f.failed()) {
      throw new IllegalStateException(f.cause());
    }
  }

  @Override public void close() throws Exception {
    Futures.await(host.stop());
  }

  @Override public String notes() {
    return "typed items, capacity " + CAPACITY + ", fullMode wait; in-process admission";
  }
}
