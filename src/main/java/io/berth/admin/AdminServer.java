package io.berth.admin;

import io.berth.config.ConfigException;
import io.berth.core.internal.Futures;
import io.berth.core.internal.Instants;
import io.berth.core.HostView;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.OpenAPIContract;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The HTTP server: the open health routes and the admin API under {@value #API}, which requires
 * {@code Authorization: Bearer <token>}. Every error, from a route or from the router itself, is a JSON body
 * {@code {"error", "message"}}. The host starts it after every other service and stops it first, so no request ever
 * sees a half-started host. The contract is {@code GET /api/v1/openapi.json}.
 */
final class AdminServer implements HostedService {

  /** The admin API's base path. */
  public static final String API = "/api/v1";

  private static final CharSequence NOSNIFF_NAME = HttpHeaders.createOptimized("x-content-type-options");
  private static final CharSequence NOSNIFF_VALUE = HttpHeaders.createOptimized("nosniff");

  static final String OPENAPI_RESOURCE = "io/berth/admin/openapi.json";

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final HttpOptions options;
  private final HostView host;
  private HttpServer server;
  private EventStream events;
  private volatile SocketAddress bound;
  private EdgeGuard guard;

  private final List<BiConsumer<Router, Handler<RoutingContext>>> userRoutes;
  private final Readiness readiness;

  AdminServer(HttpOptions options, HostView host, List<BiConsumer<Router, Handler<RoutingContext>>> userRoutes,
              Readiness readiness) {
    this.options = options;
    this.host = host;
    this.userRoutes = userRoutes;
    this.readiness = readiness;
  }

  @Override
  public Future<Void> start(ServiceContext context) {
    Vertx vertx = context.vertx();
    // Begun when the module registered (see ApiContract.compiled); its outcome is handed to this start's context.
    Future<ApiContract.Compiled> compiled = Future.fromCompletionStage(ApiContract.compiled(),
        vertx.getOrCreateContext());
    return vertx.executeBlocking(() -> AdminAuth.resolveToken(options))
        .compose(token -> compiled.map(c -> new Setup(token, c.served(), c.contract())))
        .compose(setup -> listen(vertx, setup).compose(s -> options.token() != null
            ? Future.succeededFuture(s)
            // Only once the port is ours: a host that cannot bind must not replace the running one's token.
            : vertx.executeBlocking(() -> {
              AdminAuth.writeTokenFile(options, setup.token());
              return s;
            }).recover(e -> s.close().transform(closed -> Future.failedFuture(e)))))
        .map(s -> {
          bound = SocketAddress.inetSocketAddress(s.actualPort(), options.host());
          log.info("HTTP server listening on http://{}:{} (admin API at {}, token {})", options.host(),
              s.actualPort(), API, options.tokenSource());
          return null;
        });
  }

  private Future<HttpServer> listen(Vertx vertx, Setup setup) {
    guard = new EdgeGuard(vertx, options);
    Router router = router(vertx, setup);
    server = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port())
        .setIdleTimeout((int) options.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    // The header every answer carries is set here, not by a catch-all route the router would walk each time.
    return server.connectionHandler(guard::connected).requestHandler(request -> {
      request.response().headers().set(NOSNIFF_NAME, NOSNIFF_VALUE);
      if (!guard.admit(request)) {
        return;
      }
      if (hasMalformedEscape(request.uri())) {
        // Before routing and authentication: the router would fail decoding it with a 500.
        Errors.json(request, 400, "bad_request", "The request URI has a malformed %-escape.");
        return;
      }
      router.handle(request);
    }).invalidRequestHandler(AdminServer::invalidRequest).listen().recover(e -> Future.failedFuture(
        e instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use")
            ? ConfigException.withMessage("http.port", "port " + options.port() + " is in use (http.port) on "
                + options.host())
            : e));
  }

  /** What the server starts with: the admin token, the served document, and the router's contract. */
  private record Setup(String token, Buffer openApi, OpenAPIContract contract) {
  }

  /**
   * The routes, in the order they are tried: the bearer check on everything under {@value #API} (so an unknown or
   * invalid request there answers 401 before anything else), the event stream (hand-built: see
   * {@link ApiContract}), each request body's content-type and size check, then the contract's operations (each
   * validated, then handled), then the application's own routes.
   */
  private Router router(Vertx vertx, Setup setup) {
    Router router = ApiContract.router(vertx, setup.contract(), new JsonBody(options.maxBodySize()), api -> {
      api.on("live", rc -> json(rc, 200, new JsonObject().put("status", "live")));
      api.on("ready", this::ready);
      api.on("openApi", rc -> rc.response().putHeader("content-type", "application/json").end(setup.openApi()));
      for (RouteGroup group : groups()) {
        group.bind(api);
      }
    });

    AdminAuth auth = new AdminAuth(setup.token());
    router.route(API + "/*").order(-30).handler(auth);
    events = new EventStream(host.events(), options.eventBuffer(), this::lifetimeSnapshot,
        keepAliveMs(options.idleTimeout()));
    router.get(API + "/events").order(-20).handler(rc -> {
      guard.exempt(rc.request());   // a stream: its keep-alives keep it within the idle timeout
      events.handle(rc);
    });
    // The application's own routes, on the same server and port, after Berth's (which they cannot shadow).
    userRoutes.forEach(r -> r.accept(router, auth));
    Errors.install(router);
    return router;
  }

  /** The route groups of the admin API; a new group (queues, tokens) is one more entry here. */
  private List<RouteGroup> groups() {
    List<RouteGroup> groups = new ArrayList<>();
    groups.add(new ServiceRoutes(host));
    groups.add(new ShutdownRoute(host));
    groups.add(new TokenRoutes(host));
    groups.add(new QueueRoutes(host));
    return groups;
  }

  @Override
  public Future<Void> stop(ServiceContext context) {
    if (server == null) {
      return Future.succeededFuture();
    }
    Future<Void> drain = options.drainDelay().isZero()
        ? Future.succeededFuture()
        : context.vertx().timer(options.drainDelay().toMillis()).mapEmpty();
    return drain.compose(v -> {
      events.closeAll();
      // A graceful shutdown: no new connection, and each request in flight (an enqueue waiting for room gets its
      // 503 stopping from the queue as the stop begins) is answered before its connection closes.
      long grace = Math.max(100, context.remainingStopTime().toMillis() - 200);
      return server.shutdown(grace, TimeUnit.MILLISECONDS);
    });
  }

  /** True when {@code uri} has a {@code %} not followed by two hex digits. */
  static boolean hasMalformedEscape(String uri) {
    for (int i = uri.indexOf('%'); i >= 0; i = uri.indexOf('%', i + 1)) {
      if (i + 2 >= uri.length() || Character.digit(uri.charAt(i + 1), 16) < 0
          || Character.digit(uri.charAt(i + 2), 16) < 0) {
        return true;
      }
    }
    return false;
  }

  /** The bound address, once the server listens. */
  SocketAddress boundAddress() {
    return bound;
  }

  /** 200 while ready, else 503; the body lists the failed services and every health check (see {@link Readiness}). */
  private void ready(RoutingContext rc) {
    onRequestContext(rc, readiness.evaluate(rc.vertx(), host), ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause());
      } else {
        json(rc, ar.result().ready() ? 200 : 503, ar.result().body());
      }
    });
  }

  private JsonObject lifetimeSnapshot() {
    HostView h = host;
    return new JsonObject().put("event", h.lifetime().state().label()).put("node", h.lifetime().nodeId())
        .put("at", Instants.iso(Instant.now())).put("snapshot", true);
  }

  /** A request Netty could not even parse (a garbled request line, huge headers): answered in JSON, then closed. */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status = 400;
    String code = "bad_request";
    String message = "The request is not valid HTTP.";
    if (cause instanceof TooLongFrameException && cause.getMessage() != null) {
      if (cause.getMessage().contains("line")) {
        status = 414;
        code = "uri_too_long";
        message = "The request line is too long.";
      } else if (cause.getMessage().contains("header")) {
        status = 431;
        code = "headers_too_large";
        message = "The request headers are too large.";
      }
    }
    request.response().putHeader("connection", "close");
    Errors.json(request, status, code, message).onComplete(ar -> request.connection().close());
  }

  static Buffer readOpenApi() {
    try (InputStream in = AdminServer.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + OPENAPI_RESOURCE + " is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Delivers {@code future}'s outcome to {@code handler} on the request's own context, whatever thread completes it
   * (a timed service's or a token refresher's event loop), so that the response is written where it belongs.
   */
  static <T> void onRequestContext(RoutingContext rc, Future<T> future, Handler<AsyncResult<T>> handler) {
    Futures.backOn(Vertx.currentContext(), future).onComplete(handler);
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** A client-supplied value for a message, cut short and without control characters. */
  static String abbreviate(String value) {
    if (value == null) {
      return "null";
    }
    String clean = value.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 80 ? clean.substring(0, 80) + "..." : clean;
  }

  /**
   * How often a quiet event stream gets a keep-alive comment: every 15 s, or a quarter of the idle timeout when that
   * is shorter, so that three late timers in a row still keep the stream within it.
   */
  static long keepAliveMs(java.time.Duration idleTimeout) {
    return Math.max(25, Math.min(15_000, idleTimeout.toMillis() / 4));
  }
}
