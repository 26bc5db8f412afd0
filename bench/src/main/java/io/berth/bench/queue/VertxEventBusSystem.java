package io.berth.bench.queue;

import io.berth.bench.core.Futures;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;

/**
 * Transport ceiling: raw {@code eventBus().send} from the producer thread to a worker verticle
 * deployed with T instances, each with one consumer. Local event-bus delivery is unbounded, so the
 * producer never blocks.
 */
public final class VertxEventBusSystem implements QueueSystem {
  static final String ADDRESS = "bench.queue";
  private Vertx vertx;
  private EventBus eb;
  private int threads;

  @Override public String name() { return "Vert.x event bus(" + threads + " workers)"; }

  @Override public void start(int threads, ItemHandler handler) throws Exception {
    this.threads = threads;
    vertx = Vertx.vertx();
    eb = vertx.eventBus();
    DeploymentOptions opts = new DeploymentOptions()
        .setThreadingModel(ThreadingModel.WORKER)
        .setInstances(threads)
        .setWorkerPoolName("bench-eb-workers")
        .setWorkerPoolSize(threads);
    Futures.await(vertx.deployVerticle(() -> new VerticleBase() {
      @Override public Future<?> start() {
        return vertx.eventBus().<Long>consumer(ADDRESS, m -> handler.onRun(m.body())).completion();
      }
    }, opts));
  }

  @Override public void submit(long payload) {
    eb.send(ADDRESS, payload);
  }

  @Override public void close() throws Exception {
    Futures.await(vertx.close());
  }

  @Override public String notes() { return "transport ceiling; worker verticle x T"; }
}
