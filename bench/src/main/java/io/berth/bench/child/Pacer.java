package io.berth.bench.child;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * POSTs of no-op items to a Berth child: paced (open loop), each carrying its epoch microseconds taken on the
 * client's event loop just before the request is written, or as fast as a number of requests in flight allows. One Vert.x event loop and keep-alive HTTP/1.1 connections: the
 * load generator should not take the CPU the two nodes and PostgreSQL share on a 2-core machine (a
 * {@code java.net.http} client on 8 threads cost about 1 ms of CPU per request, a quarter of the machine at 500/s).
 */
final class Pacer implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
  private final HttpClientAgent client;
  private final Context ctx = vertx.getOrCreateContext();
  private final RequestOptions post;

  Pacer(int port) {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
        .setConnectTimeout(2000), new PoolOptions().setHttp1MaxSize(32));
    post = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/queues/default/items").putHeader("Authorization", "Bearer " + Api.TOKEN)
        .putHeader("Content-Type", "application/json").setTimeout(10_000);
  }

  /** POSTs {@code items} at {@code rate}/s (absolute targets); throws when any was not accepted with 202. */
  void pace(int items, int rate) throws InterruptedException {
    long interval = 1_000_000_000L / rate;
    AtomicInteger failed = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(items);
    long t0 = System.nanoTime() + 1_000_000;
    for (int i = 0; i < items; i++) {
      long target = t0 + i * interval;
      long now;
      while ((now = System.nanoTime()) < target) LockSupport.parkNanos(target - now);
      ctx.runOnContext(v -> {
        Buffer body = Buffer.buffer("{\"type\":\"noop\",\"payload\":{\"t\":" + BerthChild.epochMicros() + "}}");
        client.request(post).compose(req -> req.send(body)).onComplete(ar -> {
          if (ar.failed() || ar.result().statusCode() != 202) failed.incrementAndGet();
          if (ar.succeeded()) ar.result().end();
          done.countDown();
        });
      });
    }
    if (!done.await(60, TimeUnit.SECONDS)) throw new IllegalStateException(done.getCount() + " enqueues unanswered");
    if (failed.get() > 0) throw new IllegalStateException(failed.get() + " enqueues not accepted (202)");
  }

  /**
   * POSTs {@code items} no-op items with {@code inFlight} requests outstanding at all times (closed loop); returns how
   * many were not accepted with 202.
   */
  int burst(int items, int inFlight) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(items);
    Buffer body = Buffer.buffer("{\"type\":\"noop\",\"payload\":{}}");
    Runnable[] send = new Runnable[1];
    send[0] = () -> {
      if (next.getAndIncrement() >= items) return;
      client.request(post).compose(req -> req.send(body)).onComplete(ar -> {
        if (ar.failed() || ar.result().statusCode() != 202) failed.incrementAndGet();
        if (ar.succeeded()) ar.result().end();
        done.countDown();
        send[0].run();
      });
    };
    ctx.runOnContext(v -> {
      for (int i = 0; i < inFlight; i++) send[0].run();
    });
    if (!done.await(120, TimeUnit.SECONDS)) throw new IllegalStateException(done.getCount() + " enqueues unanswered");
    return failed.get();
  }

  @Override public void close() {
    vertx.close().await();
  }
}
