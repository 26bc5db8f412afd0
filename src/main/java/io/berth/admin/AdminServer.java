package io.berth.admin;

import io.berth.host.Host;
import io.berth.host.HttpEndpoint;
import io.berth.host.ServiceInfo;
import io.berth.host.ServiceState;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * The HTTP server: health routes and the admin API. The host starts it after every other service and stops it
 * first, so no request ever sees a half-started host.
 */
public final class AdminServer implements HostedService, HttpEndpoint {

  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final HttpOptions options;
  private final Supplier<Host> host;
  private HttpServer server;
  private volatile SocketAddress bound;

  /** {@code host} is asked for lazily, as the server is built before the host it serves. */
  public AdminServer(HttpOptions options, Supplier<Host> host) {
    this.options = options;
    this.host = host;
  }

  @Override
  public Future<Void> start(ServiceContext context) {
    Router router = Router.router(context.vertx());
    router.get("/health/live").handler(rc -> json(rc, 200, new JsonObject().put("status", "live")));
    router.get("/health/ready").handler(this::ready);
    Errors.install(router);
    server = context.vertx().createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()));
    return server.requestHandler(router).listen().map(s -> {
      bound = SocketAddress.inetSocketAddress(s.actualPort(), options.host());
      log.info("HTTP server listening on http://{}:{}", options.host(), s.actualPort());
      return null;
    });
  }

  @Override
  public Future<Void> stop(ServiceContext context) {
    if (server == null) {
      return Future.succeededFuture();
    }
    Future<Void> drain = options.drainDelay().isZero()
        ? Future.succeededFuture()
        : context.vertx().timer(options.drainDelay().toMillis()).mapEmpty();
    return drain.compose(v -> server.close());
  }

  @Override
  public SocketAddress boundAddress() {
    return bound;
  }

  private void ready(RoutingContext rc) {
    Host h = host.get();
    JsonArray failed = new JsonArray();
    for (ServiceInfo s : h.services()) {
      if (s.state() == ServiceState.FAILED) {
        failed.add(new JsonObject().put("service", s.name()).put("error", s.error()));
      }
    }
    boolean ready = h.lifetime().isReady();
    json(rc, ready ? 200 : 503, new JsonObject()
        .put("status", ready ? "ready" : "not-ready")
        .put("state", h.lifetime().state().label())
        .put("failed", failed));
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
