package io.berth.admin;

import io.berth.core.HostView;
import io.berth.core.TriggerException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;


/** {@code GET /api/v1/services} and {@code POST /api/v1/services/{name}/trigger}. */
final class ServiceRoutes implements RouteGroup {

  private final HostView host;

  ServiceRoutes(HostView host) {
    this.host = host;
  }

  @Override
  public void mount(Router router) {
    router.get(AdminServer.API + "/services").handler(this::list);
    router.post(AdminServer.API + "/services/:name/trigger").handler(this::trigger);
  }

  private void list(RoutingContext rc) {
    JsonArray services = new JsonArray();
    host.services().forEach(s -> services.add(s.toJson()));
    AdminServer.json(rc, 200, new JsonObject().put("services", services));
  }

  private void trigger(RoutingContext rc) {
    String name = rc.pathParam("name");
    AdminServer.onRequestContext(rc, host.trigger(name), ar -> {
      if (ar.succeeded()) {
        AdminServer.json(rc, 202, new JsonObject().put("service", name).put("triggered", true));
      } else if (ar.cause() instanceof TriggerException e) {
        rc.fail(new ApiException(status(e.reason()), e.reason().code(), Errors.sentence(e.getMessage())));
      } else {
        rc.fail(ar.cause());
      }
    });
  }

  private static int status(TriggerException.Reason reason) {
    return switch (reason) {
      case UNKNOWN_SERVICE -> 404;
      case NOT_TIMED -> 400;
      case RUNNING -> 409;
      case NOT_RUNNING -> 503;
    };
  }
}
