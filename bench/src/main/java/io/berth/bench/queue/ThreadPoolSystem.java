package io.berth.bench.queue;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** JVM ceiling: a plain fixed-size ThreadPoolExecutor on an unbounded LinkedBlockingQueue. */
public final class ThreadPoolSystem implements QueueSystem {
  private ThreadPoolExecutor pool;
  private ItemHandler handler;
  private int threads;

  @Override public String name() { return "ThreadPoolExecutor(" + threads + ")"; }

  @Override public void start(int threads, ItemHandler handler) {
    this.threads = threads;
    this.handler = handler;
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
    pool.prestartAllCoreThreads();
  }

  @Override public void submit(long payload) {
    pool.execute(() -> handler.onRun(payload));
  }

  @Override public void close() throws InterruptedException {
    pool.shutdownNow();
    pool.awaitTermination(10, TimeUnit.SECONDS);
  }

  @Override public String notes() { return "JVM ceiling"; }
}
