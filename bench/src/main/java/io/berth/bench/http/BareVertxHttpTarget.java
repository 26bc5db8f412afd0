package io.berth.bench.http;

import io.berth.bench.core.BenchConfig;
import io.berth.bench.core.Futures;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline: a bare Vert.x route in this process (own Vertx instance) that checks the bearer
 * token, parses the JSON body and answers 202 with a small JSON body; no queueing.
 */
public final class BareVertxHttpTarget implements HttpTarget {
  static final String TOKEN = "bench-token";
  static final String PATH = "/api/v1/queues/default/items";
  private Vertx vertx;

  @Override public String name() { return "bare Vert.x route"; }

  @Override public Endpoint start(BenchConfig cfg) throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    AtomicLong ids = new AtomicLong();
    String expected = "Bearer " + TOKEN;
    router.post(PATH).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(ctx -> {
      if (!expected.equals(ctx.request().getHeader("Authorization"))) {
        ctx.response().setStatusCode(401).end();
        return;
      }
      JsonObject body;
      try {
        body = ctx.body().asJsonObject();
      } catch (RuntimeException e) {
        body = null;
      }
      if (body == null || body.getString("type") == null) {
        ctx.response().setStatusCode(400).end();
        return;
      }
      ctx.response().setStatusCode(202).putHeader("content-type", "application/json")
          .end(new JsonObject().put("id", Long.toString(ids.incrementAndGet())).put("state", "queued").encode());
    });
    HttpServer server = Futures.await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return new Endpoint(URI.create("http://127.0.0.1:" + server.actualPort() + PATH), TOKEN);
  }

  @Override public void close() throws Exception {
    if (vertx != null) Futures.await(vertx.close());
  }

  @Override public String notes() { return "same process, own Vertx; token check + JSON parse, 202"; }
}
