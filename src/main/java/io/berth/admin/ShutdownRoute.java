package io.berth.admin;

import io.berth.core.HostView;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/** {@code POST /api/v1/shutdown}: answers 202, then stops the host gracefully, exactly as SIGTERM does. */
final class ShutdownRoute implements RouteGroup {

  private static final Logger log = LoggerFactory.getLogger(ShutdownRoute.class);

  private final HostView host;

  ShutdownRoute(HostView host) {
    this.host = host;
  }

  @Override
  public void bind(ApiContract.Operations api) {
    api.on("shutdown", this::shutdown);
  }

  private void shutdown(RoutingContext rc) {
    HostView h = host;
    log.info("Shutdown requested through the admin API by {}", rc.request().remoteAddress());
    // Stop only once the answer is out: the HTTP server is the first thing the stop closes.
    rc.response().setStatusCode(202).putHeader("content-type", "application/json")
        .end(new JsonObject().put("status", "stopping").put("node", h.lifetime().nodeId()).encode())
        .onComplete(ar -> h.lifetime().stopApplication());
  }
}
