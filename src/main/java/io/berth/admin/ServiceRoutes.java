package io.berth.admin;

import io.berth.core.HostView;
import io.berth.core.TriggerException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;


/**
 * {@code GET /api/v1/services}, {@code POST /api/v1/services/{name}/trigger}, and {@code …/pause} and {@code …/resume}
 * of a timed service.
 */
final class ServiceRoutes implements RouteGroup {

  private final HostView host;

  ServiceRoutes(HostView host) {
    this.host = host;
  }

  @Override
  public void bind(ApiContract.Operations api) {
    api.on("listServices", this::list);
    api.on("triggerService", this::trigger);
    api.on("pauseService", rc -> pause(rc, true));
    api.on("resumeService", rc -> pause(rc, false));
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

  /**
   * Pauses or resumes a timed service: 200 with its new state. The reasons a trigger is refused map the same way.
   */
  private void pause(RoutingContext rc, boolean paused) {
    String name = rc.pathParam("name");
    Future<Void> done;
    try {
      done = host.pause(name, paused);
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    AdminServer.onRequestContext(rc, done, ar -> {
      if (ar.succeeded()) {
        AdminServer.json(rc, 200, new JsonObject().put("service", name).put("paused", paused));
      } else if (ar.cause() instanceof TriggerException e) {
        rc.fail(new ApiException(status(e.reason()), e.reason().code(), Errors.sentence(e.getMessage())));
      } else {
        rc.fail(ar.cause());   // a bug: 500 internal_error, logged once with its stack trace
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
