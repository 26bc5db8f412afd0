package io.berth.admin;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every error the router answers has the body {@code {"error": code, "message": sentence}}; never a stack trace. */
final class Errors {

  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {
  }

  static void install(Router router) {
    router.errorHandler(404, rc -> send(rc, 404, "not_found",
        "No route for " + rc.request().method() + " " + rc.request().path()));
    router.errorHandler(405, rc -> send(rc, 405, "method_not_allowed",
        "Method " + rc.request().method() + " is not allowed on " + rc.request().path()));
    router.errorHandler(500, rc -> {
      if (rc.failure() != null) {
        log.error("Request {} {} failed", rc.request().method(), rc.request().path(), rc.failure());
      }
      send(rc, 500, "internal_error", "The request failed on the server; the log has the details");
    });
  }

  static void send(RoutingContext rc, int status, String code, String message) {
    if (rc.response().ended()) {
      return;
    }
    rc.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }
}
