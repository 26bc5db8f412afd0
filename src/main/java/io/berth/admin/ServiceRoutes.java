package io.berth.admin;

import io.berth.host.Host;
import io.berth.host.ServiceInfo;
import io.berth.host.ServiceKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Supplier;

/** {@code GET /api/v1/services} and {@code POST /api/v1/services/{name}/trigger}. */
final class ServiceRoutes implements RouteGroup {

  private final Supplier<Host> host;
  private final ServiceTrigger trigger;

  ServiceRoutes(Supplier<Host> host, ServiceTrigger trigger) {
    this.host = host;
    this.trigger = trigger;
  }

  @Override
  public void mount(Router router) {
    router.get(AdminServer.API + "/services").handler(this::list);
    router.post(AdminServer.API + "/services/:name/trigger").handler(this::trigger);
  }

  private void list(RoutingContext rc) {
    JsonArray services = new JsonArray();
    host.get().services().forEach(s -> services.add(s.toJson()));
    AdminServer.json(rc, 200, new JsonObject().put("services", services));
  }

  private void trigger(RoutingContext rc) {
    String name = rc.pathParam("name");
    ServiceInfo service = host.get().services().stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new ApiException(404, "unknown_service",
            "No service is named '" + AdminServer.abbreviate(name) + "'."));
    if (service.kind() != ServiceKind.TIMED) {
      throw new ApiException(400, "not_timed", "Service '" + name + "' is a " + service.kind().label()
          + " service; only timed services can be triggered.");
    }
    trigger.trigger(name).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminServer.json(rc, 202, new JsonObject().put("service", name).put("triggered", true));
      } else {
        rc.fail(ar.cause());
      }
    });
  }
}
