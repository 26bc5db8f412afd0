package io.berth.bench.http;

import io.berth.bench.core.Futures;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop HTTP load generator on its own Vertx: {@code connections} keep-alive HTTP/1.1
 * connections, pipelining off, one request in flight per connection, all driven from one event-loop
 * context (like one wrk thread). Each request POSTs {@code body} with a bearer token; 2xx counts as
 * success. Reusable across runs so connections stay warm.
 */
public final class HttpLoadGenerator implements AutoCloseable {
  public record LoadResult(long ok, long errors, double seconds, double requestsPerSec,
                           double p50Ms, double p99Ms, double maxMs) {}

  private final Vertx vertx = Vertx.vertx();
  private final HttpClientAgent client;
  private final Context ctx;
  private final HttpTarget.Endpoint endpoint;
  private final Buffer body;
  private final int connections;

  public HttpLoadGenerator(HttpTarget.Endpoint endpoint, String jsonBody, int connections) {
    this.endpoint = endpoint;
    this.body = Buffer.buffer(jsonBody);
    this.connections = connections;
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false).setConnectTimeout(2000),
        new PoolOptions().setHttp1MaxSize(connections));
    this.ctx = vertx.getOrCreateContext();
  }

  public LoadResult run(Duration duration) throws InterruptedException {
    Histogram h = new Histogram(3);
    long[] ok = new long[1];
    long[] err = new long[1];
    CountDownLatch done = new CountDownLatch(connections);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    RequestOptions opts = new RequestOptions().setMethod(HttpMethod.POST)
        .setAbsoluteURI(endpoint.url().toString())
        .putHeader("Authorization", "Bearer " + endpoint.bearerToken())
        .putHeader("Content-Type", "application/json")
        .setTimeout(10_000);
    ctx.runOnContext(v -> {
      for (int i = 0; i < connections; i++) next(opts, h, ok, err, end, done);
    });
    if (!done.await(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("load generator did not finish");
    }
    double secs = (System.nanoTime() - start) / 1e9;
    synchronized (h) {
      return new LoadResult(ok[0], err[0], secs, ok[0] / secs, h.getValueAtPercentile(50) / 1e6,
          h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
  }

  /** Runs on the generator's context only. */
  private void next(RequestOptions opts, Histogram h, long[] ok, long[] err, long end, CountDownLatch done) {
    long t = System.nanoTime();
    if (t >= end) {
      done.countDown();
      return;
    }
    client.request(opts)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          long now = System.nanoTime();
          if (ar.succeeded() && ar.result() / 100 == 2) {
            ok[0]++;
            synchronized (h) {
              h.recordValue(now - t);
            }
          } else {
            err[0]++;
          }
          next(opts, h, ok, err, end, done);
        });
  }

  /** The generator's event-loop thread (a diagnostic tells its CPU time from the server's). */
  public Thread thread() throws Exception {
    java.util.concurrent.CompletableFuture<Thread> t = new java.util.concurrent.CompletableFuture<>();
    ctx.runOnContext(v -> t.complete(Thread.currentThread()));
    return t.get(10, TimeUnit.SECONDS);
  }

  @Override public void close() throws Exception {
    Futures.await(vertx.close());
  }
}
