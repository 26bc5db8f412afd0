package io.berth.token;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A token endpoint like WeChat's on 127.0.0.1, port 0: it counts its calls, and every token it hands out
 * invalidates the previous one. {@code /api?access_token=} answers like an API that checks the token. Public for
 * the cluster's token test.
 */
public final class FakeTokenEndpoint {

  enum Mode { OK, HTTP_500, ERRCODE, MISSING_FIELD, HANG }

  volatile Mode mode = Mode.OK;
  volatile int expiresIn = 7200;
  /** Every call of {@code /token}, answered or not. */
  public final AtomicInteger fetches = new AtomicInteger();
  /** The calls answered with a token. */
  final AtomicInteger handedOut = new AtomicInteger();
  final AtomicInteger apiCalls = new AtomicInteger();
  final List<Long> fetchNanos = Collections.synchronizedList(new ArrayList<>());
  final List<JsonObject> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger seq = new AtomicInteger();
  private final AtomicReference<String> latest = new AtomicReference<>();
  private HttpServer server;

  public static Future<FakeTokenEndpoint> start(Vertx vertx) {
    FakeTokenEndpoint e = new FakeTokenEndpoint();
    Router router = Router.router(vertx);
    router.route("/token").handler(BodyHandler.create()).handler(e::token);
    router.get("/api").handler(e::api);
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").map(s -> {
      e.server = s;
      return e;
    });
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  String apiUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/api";
  }

  /** The token handed out last (the only valid one). */
  public String latest() {
    return latest.get();
  }

  /** Another system fetched a token: ours is invalid from now on (not counted as one of our fetches). */
  String rotateBehindOurBack() {
    String t = "tok-" + seq.incrementAndGet();
    latest.set(t);
    return t;
  }

  static int seqOf(String token) {
    return Integer.parseInt(token.substring(4));
  }

  private void token(RoutingContext rc) {
    fetches.incrementAndGet();
    fetchNanos.add(System.nanoTime());
    JsonObject seen = new JsonObject().put("method", rc.request().method().name());
    rc.queryParams().forEach(en -> seen.put("query." + en.getKey(), en.getValue()));
    rc.request().formAttributes().forEach(en -> seen.put("form." + en.getKey(), en.getValue()));
    String ct = rc.request().getHeader("content-type");
    if (ct != null && ct.startsWith("application/json")) {
      seen.put("json", rc.body().asJsonObject());
    }
    requests.add(seen);
    String secret = String.valueOf(rc.queryParams().get("secret"));
    switch (mode) {
      case OK -> {
        handedOut.incrementAndGet();
        String t = rotateBehindOurBack();
        rc.json(new JsonObject().put("access_token", t).put("expires_in", expiresIn));
      }
      // The error answers echo the secret, as some upstreams do: the refresher must mask it.
      case HTTP_500 -> rc.response().setStatusCode(500).end("internal error for secret=" + secret);
      case ERRCODE -> rc.json(new JsonObject().put("errcode", 40013).put("errmsg", "invalid appid, secret " + secret));
      case MISSING_FIELD -> rc.json(new JsonObject().put("expires_in", expiresIn));
      case HANG -> { }
    }
  }

  private void api(RoutingContext rc) {
    apiCalls.incrementAndGet();
    String t = rc.queryParams().get("access_token");
    rc.json(t != null && t.equals(latest.get())
        ? new JsonObject().put("errcode", 0)
        : new JsonObject().put("errcode", 40001).put("errmsg", "invalid credential, access_token is invalid"));
  }
}
