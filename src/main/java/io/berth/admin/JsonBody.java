package io.berth.admin;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Locale;

/**
 * Reading a JSON request body safely: {@link #install(Route)} puts, in front of a route's own handler, a
 * content-type check (415) and vertx-web's {@link BodyHandler} limited to {@code http.maxBodySize}, which answers 413
 * from the {@code Content-Length} header before reading anything, and stops buffering (413) as soon as a streamed
 * body passes the limit. {@link #object(RoutingContext)} then parses the body (400 when malformed).
 */
final class JsonBody {

  /** Where {@link #parse} keeps the parsed body on the routing context. */
  private static final String PARSED = "berth.json";

  private final long limit;
  private final Handler<RoutingContext> bodyHandler;

  JsonBody(long limit) {
    this.limit = limit;
    // No file uploads: a multipart body must never reach the disk; form attributes are not merged into params.
    this.bodyHandler = BodyHandler.create(false).setBodyLimit(limit).setMergeFormAttributes(false);
  }

  /** Adds the content-type check and the size-limited body reading to {@code route}; add the route's handler after. */
  Route install(Route route) {
    // One handler, not two: vertx-web refuses a body handler after a user handler on the same route. Both steps run
    // in the same event-loop turn as routing began, so no body bytes arrive before the body handler listens.
    return route.handler(rc -> {
      requireJson(rc);
      bodyHandler.handle(rc);
    });
  }

  long limit() {
    return limit;
  }

  private static void requireJson(RoutingContext rc) {
    String type = rc.request().getHeader("Content-Type");
    String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!mime.equals("application/json")) {
      throw new ApiException(415, "unsupported_media_type", type == null
          ? "The Content-Type header is missing; the body must be application/json."
          : "The Content-Type '" + abbreviate(type) + "' is not supported; the body must be application/json.");
    }
  }

  /** A route handler after {@link #install}: parses the body (see {@link #object}) once, then routing goes on. */
  static void parse(RoutingContext rc) {
    rc.put(PARSED, object(rc));
    rc.next();
  }

  /**
   * The body as a JSON object (parsed once per request); fails with 400 {@code malformed_json} or
   * {@code body_not_object}.
   */
  static JsonObject object(RoutingContext rc) {
    JsonObject parsed = rc.get(PARSED);
    if (parsed != null) {
      return parsed;
    }
    Buffer body = rc.body().buffer();
    if (body == null || body.length() == 0) {
      throw new ApiException(400, "malformed_json", "The request body is empty; it must be a JSON object.");
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException | IllegalStateException e) {
      throw new ApiException(400, "malformed_json", "The request body is not valid JSON.");
    } catch (RuntimeException e) {
      // Jackson reports a too-deeply nested or otherwise pathological document with its own exceptions.
      throw new ApiException(400, "malformed_json", "The request body is not valid JSON.");
    }
    if (!(value instanceof JsonObject json)) {
      throw new ApiException(400, "body_not_object", "The request body must be a JSON object, not "
          + describe(value) + ".");
    }
    return json;
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof io.vertx.core.json.JsonArray) {
      return "an array";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    return value.getClass().getSimpleName();
  }

  private static String abbreviate(String s) {
    String clean = s.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 80 ? clean.substring(0, 80) + "..." : clean;
  }
}
