package io.berth.admin;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Every error the server answers has the body {@code {"error": code, "message": sentence}}; never a stack trace or
 * an HTML page. An {@link ApiException} maps to its own status and code; a request the contract refused to 400 (see
 * {@link ApiContract#toApi}); a bare status (as vertx-web's handlers fail with) to a generic code; anything else is a
 * bug: 500, logged once with its stack trace.
 */
final class Errors {

  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  /** The generic code and sentence for a status failed without an {@link ApiException}. */
  private static final Map<Integer, String[]> GENERIC = Map.ofEntries(
      Map.entry(400, new String[] {"bad_request", "The request is malformed"}),
      Map.entry(401, new String[] {"unauthorized", "The Authorization header must carry a valid Bearer token"}),
      Map.entry(403, new String[] {"forbidden", "The request is not allowed"}),
      Map.entry(408, new String[] {"request_timeout", "The request took too long to arrive"}),
      Map.entry(413, new String[] {"body_too_large", "The request body is larger than the limit (http.maxBodySize)"}),
      Map.entry(414, new String[] {"uri_too_long", "The request URI is too long"}),
      Map.entry(415, new String[] {"unsupported_media_type", "The request body must be application/json"}),
      Map.entry(417, new String[] {"expectation_failed", "The Expect header is not supported"}),
      Map.entry(431, new String[] {"headers_too_large", "The request headers are too large"}),
      Map.entry(503, new String[] {"unavailable", "The service is unavailable; retry later"}));

  private Errors() {
  }

  static void install(Router router) {
    router.errorHandler(404, rc -> send(rc, 404, "not_found",
        "No route for " + rc.request().method() + " " + safePath(rc.request()) + "."));
    router.errorHandler(405, rc -> send(rc, 405, "method_not_allowed",
        "Method " + rc.request().method() + " is not allowed on " + safePath(rc.request()) + "."));
    for (int status : GENERIC.keySet()) {
      router.errorHandler(status, Errors::handle);
    }
    router.errorHandler(500, Errors::handle);
    // vertx-web's body handler fails a request whose connection broke mid-body with the status 200.
    router.errorHandler(200, Errors::handle);
  }

  /** Answers a failed routing context; usable as a route's failure handler too. */
  static void handle(RoutingContext rc) {
    Throwable failure = rc.failure();
    ApiException invalid = ApiContract.toApi(failure);   // the contract refused the request
    if (invalid != null) {
      failure = invalid;
    }
    if (failure instanceof ApiException api) {
      if (api.retryAfterSeconds() >= 0 && !rc.response().headWritten()) {
        rc.response().putHeader("Retry-After", Long.toString(api.retryAfterSeconds()));
      }
      send(rc, api.status(), api.code(), api.getMessage());
      return;
    }
    if (rc.response().closed() || failure instanceof HttpClosedException) {
      // The client went away (or was cut off by a timeout): nobody to answer, and nothing the server did wrong.
      log.debug("Request {} {}: the connection closed before the answer ({})", rc.request().method(),
          safePath(rc.request()), String.valueOf(failure));
      return;
    }
    int status = rc.statusCode();
    if (status == 200 && failure != null) {
      log.debug("Request {} {}: reading it failed ({})", rc.request().method(), safePath(rc.request()),
          String.valueOf(failure));
      send(rc, 400, "bad_request", GENERIC.get(400)[1] + ".");
      return;
    }
    String[] generic = GENERIC.get(status);
    if (generic != null && failure == null) {
      send(rc, status, generic[0], generic[1] + ".");
      return;
    }
    if (generic != null && status < 500) {
      // vertx-web failed with a status and a cause (a malformed multipart body, say): the cause is the client's.
      send(rc, status, generic[0], generic[1] + ".");
      return;
    }
    log.error("Request {} {} failed", rc.request().method(), safePath(rc.request()), failure);
    send(rc, 500, "internal_error", "The request failed on the server; the log has the details.");
  }

  static void send(RoutingContext rc, int status, String code, String message) {
    if (rc.response().ended() || rc.response().headWritten()) {
      if (!rc.response().ended()) {
        rc.response().reset();
      }
      return;
    }
    json(rc.request(), status, code, message);
  }

  /** Writes the error body straight on a request, for code outside the router (an invalid HTTP request). */
  static Future<Void> json(HttpServerRequest request, int status, String code, String message) {
    return request.response().setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(new JsonObject().put("error", code).put("message", message).encode());
  }

  /** The path for a message or log line, cut short so a huge URI cannot flood either. */
  static String safePath(HttpServerRequest request) {
    String path = request.path();
    if (path == null) {
      return "?";
    }
    return path.length() > 200 ? path.substring(0, 200) + "..." : path;
  }

  /** {@code message} as the API answers it: a sentence starting with a capital letter and ending with a full stop. */
  static String sentence(String message) {
    if (message == null || message.isEmpty()) {
      return message;
    }
    String m = Character.toUpperCase(message.charAt(0)) + message.substring(1);
    return m.endsWith(".") ? m : m + ".";
  }
}
