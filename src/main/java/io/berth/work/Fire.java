package io.berth.work;

import io.berth.core.HostView;
import io.berth.core.internal.Drain;
import io.berth.core.internal.Failures;
import io.berth.service.CancellationSource;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Fire-and-forget work (the seed's {@code CannonService.Fire}): runs off the caller, with a scope of its own, on a
 * pool of its own ({@code berth-fire}, {@value #POOL_SIZE} threads; more jobs wait for a thread), so that it neither
 * starves nor is starved by other blocking work, and long jobs raise no blocked-thread warnings. The host runs it as
 * the service {@code fire}, started first and stopped last, so that the services and queues that fire work have
 * stopped before the stop waits for what is still running; the pool is closed at the end of the stop.
 */
final class Fire implements HostedService {

  static final String NAME = "fire";
  static final int POOL_SIZE = 16;
  private static final Logger log = LoggerFactory.getLogger(Fire.class);

  private final HostView host;
  private final Map<String, CancellationSource> running = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong fired = new AtomicLong();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final String idPrefix = "fire-" + Long.toString(System.nanoTime() & 0xFFFFFF, 36) + "-";
  private volatile boolean stopping;
  private volatile Promise<Void> drained;
  private volatile WorkerExecutor executor;

  Fire(HostView host) {
    this.host = host;
  }

  Future<Void> fire(String name, WorkHandler work, Consumer<Throwable> onError) {
    WorkerExecutor pool = executor;
    if (stopping || pool == null) {
      return refuse(name, onError);
    }
    String id = idPrefix + Long.toString(ids.incrementAndGet(), 36);
    CancellationSource cancellation = new CancellationSource();
    running.put(id, cancellation);
    if (stopping) {
      // The stop sets stopping before it looks at running: it may have seen running without this job, so do not run
      // it, and complete the stop's drain if this was the last entry.
      running.remove(id);
      drainedIfIdle();
      return refuse(name, onError);
    }
    fired.incrementAndGet();
    Vertx vertx = host.vertx();
    WorkContext ctx = new WorkContext(id, NAME, name, null, cancellation.token(), 1, host.registry(), vertx);
    return pool.<Void>executeBlocking(() -> {
      try {
        work.handle(ctx);
        return null;
      } finally {
        ctx.end();   // on the pool's thread: a scoped service whose close blocks never holds an event loop
      }
    }, false).onComplete(ar -> {
      running.remove(id);
      if (ar.succeeded()) {
        succeeded.incrementAndGet();
      } else {
        failed.incrementAndGet();
        log.error("Fire-and-forget '{}' ({}) failed: {}", name, id, Failures.describe(ar.cause()), ar.cause());
        notify(name, onError, ar.cause());
      }
      drainedIfIdle();
    });
  }

  private Future<Void> refuse(String name, Consumer<Throwable> onError) {
    WorkException e = new WorkException(WorkException.STOPPING,
        "the host has " + (stopping ? "stopped" : "not started") + "; '" + name + "' was not run");
    log.warn("Fire-and-forget '{}' refused: {}", name, e.getMessage());
    notify(name, onError, e);
    return Future.failedFuture(e);
  }

  /** Completes the stop's drain once nothing runs; the stop sets {@link #drained} before it reads {@link #running}. */
  private void drainedIfIdle() {
    Promise<Void> d = drained;
    if (d != null && running.isEmpty()) {
      d.tryComplete();
    }
  }

  private static void notify(String name, Consumer<Throwable> onError, Throwable e) {
    if (onError == null) {
      return;
    }
    try {
      onError.accept(e);
    } catch (RuntimeException handlerFailure) {
      log.error("Fire-and-forget '{}': its error handler threw", name, handlerFailure);
    }
  }

  FireStats stats() {
    return new FireStats(fired.get(), running.size(), succeeded.get(), failed.get());
  }

  @Override
  public Future<Void> start(ServiceContext context) {
    // Long jobs are allowed: a year's max execute time keeps the blocked-thread checker quiet about them.
    executor = context.vertx().createSharedWorkerExecutor("berth-fire", POOL_SIZE, 365, TimeUnit.DAYS);
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop(ServiceContext context) {
    stopping = true;
    Promise<Void> d = Promise.promise();
    drained = d;
    if (running.isEmpty()) {
      d.tryComplete();
    } else {
      log.info("Fire-and-forget: waiting for {} running job(s)", running.size());
    }
    return Drain.thenCancel(d.future(), host.remainingShutdownTime(), () -> {
      running.values().forEach(c -> c.cancel("shutdown"));
      return String.join(", ", running.keySet());
    }, running::size, "Fire-and-forget: job(s)").eventually(() -> executor.close());
  }
}
