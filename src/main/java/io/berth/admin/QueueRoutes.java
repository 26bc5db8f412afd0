package io.berth.admin;

import io.berth.core.HostView;
import io.berth.service.HostState;
import io.berth.work.ItemState;
import io.berth.work.ItemStatus;
import io.berth.work.WorkException;
import io.berth.work.WorkItems;
import io.berth.work.WorkQueue;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;


/**
 * The queue routes: {@code GET /api/v1/queues}, {@code POST /api/v1/queues/{queue}/items} (202 with the item id and
 * a {@code Location}), {@code GET /api/v1/queues/{queue}/items/{id}}, and the dead letters: {@code GET …/dead},
 * {@code POST …/items/{id}/retry}, {@code POST …/dead/retry} (all), {@code DELETE …/dead/{id}}. An enqueue goes through the queue's one
 * admission step, as every other enqueue does; {@link WorkException} codes map to statuses here.
 */
final class QueueRoutes implements RouteGroup {

  private final HostView host;
  QueueRoutes(HostView host) {
    this.host = host;
  }

  @Override
  public void bind(ApiContract.Operations api) {
    api.on("listQueues", this::list);
    api.on("enqueue", this::enqueue);   // its body was read within http.maxBodySize and parsed before validation
    api.on("listItems", this::items);
    api.on("getItem", this::status);
    api.on("cancelItem", this::cancel);
    api.on("retryDeadItem", this::retry);
    api.on("listDeadItems", this::dead);
    api.on("pauseQueue", rc -> pause(rc, true));
    api.on("resumeQueue", rc -> pause(rc, false));
    api.on("retryAllDeadItems", this::retryAll);
    api.on("deleteDeadItem", this::deleteDead);
  }

  /** 200 cancelled (it had not started), 202 cancelling (its token is cancelled), 409 when it already ended. */
  private void cancel(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    String id = rc.pathParam("id");
    queue.cancel(id).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(toApi(ar.cause(), queue));
        return;
      }
      ItemState was = ar.result().orElse(null);
      if (was == null) {
        rc.fail(unknownItem(queue, id));
      } else if (was.isFinal()) {
        rc.fail(new ApiException(409, "already_finished", "Item '" + AdminServer.abbreviate(id) + "' of queue '"
            + queue.name() + "' has already ended: " + was.label() + "."));
      } else {
        boolean running = was == ItemState.RUNNING;
        AdminServer.json(rc, running ? 202 : 200, new JsonObject().put("id", id).put("queue", queue.name())
            .put("status", running ? "cancelling" : "cancelled"));
      }
    });
  }

  /** {@code GET …/items?state=&type=&limit=&cursor=}: newest first, with the cursor of the next page. */
  private void items(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    String rawState = rc.request().getParam("state");
    ItemState state = null;
    if (rawState != null) {
      try {
        state = ItemState.fromLabel(rawState);
      } catch (IllegalArgumentException e) {
        throw new ApiException(400, "invalid_state", "The parameter 'state' must be one of "
            + java.util.Arrays.stream(ItemState.values()).map(ItemState::label).toList() + ", not '"
            + AdminServer.abbreviate(rawState) + "'.");
      }
    }
    int limit = limit(rc, 50);
    String type = rc.request().getParam("type");
    String cursor = rc.request().getParam("cursor");
    queue.list(state, type, limit, cursor).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(ar.cause() instanceof IllegalArgumentException
            ? new ApiException(400, "invalid_cursor", "The parameter 'cursor' must be a 'next' this queue answered.")
            : toApi(ar.cause(), queue));
        return;
      }
      JsonArray items = new JsonArray();
      ar.result().items().forEach(st -> items.add(st.toJson()));
      AdminServer.json(rc, 200, new JsonObject().put("queue", queue.name()).put("items", items)
          .put("next", ar.result().next()));
    });
  }

  /** The {@code limit} parameter: 1 to 1000, {@code def} when absent. */
  private static int limit(RoutingContext rc, int def) {
    String raw = rc.request().getParam("limit");
    if (raw == null) {
      return def;
    }
    int limit;
    try {
      limit = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 1000) {
      throw new ApiException(400, "invalid_limit", "The parameter 'limit' must be a whole number from 1 to 1000, not '"
          + AdminServer.abbreviate(raw) + "'.");
    }
    return limit;
  }

  /** Pauses or resumes a queue; 200 with its new state once stored. */
  private void pause(RoutingContext rc, boolean pause) {
    WorkQueue queue = queue(rc);
    (pause ? queue.pause() : queue.resume()).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(toApi(ar.cause(), queue));
      } else {
        AdminServer.json(rc, 200, new JsonObject().put("queue", queue.name()).put("paused", pause));
      }
    });
  }

  private void dead(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    int limit = limit(rc, 100);
    queue.dead(limit).onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(toApi(ar.cause(), queue));
        return;
      }
      JsonArray items = new JsonArray();
      ar.result().forEach(s -> items.add(s.toJson()));
      AdminServer.json(rc, 200, new JsonObject().put("queue", queue.name()).put("items", items));
    });
  }

  private void retry(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    String id = rc.pathParam("id");
    queue.retry(id).onComplete(ar -> deadAnswer(rc, queue, id, ar, 202, "queued"));
  }

  private void deleteDead(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    String id = rc.pathParam("id");
    queue.deleteDead(id).onComplete(ar -> deadAnswer(rc, queue, id, ar, 200, "deleted"));
  }

  /** The answer of an operation on one dead item: 404 when unknown, 409 when it is not dead. */
  private static void deadAnswer(RoutingContext rc, WorkQueue queue, String id,
                                 io.vertx.core.AsyncResult<java.util.Optional<ItemState>> ar, int status, String now) {
    if (ar.failed()) {
      rc.fail(toApi(ar.cause(), queue));
    } else if (ar.result().isEmpty()) {
      rc.fail(unknownItem(queue, id));
    } else if (ar.result().get() != ItemState.DEAD) {
      rc.fail(new ApiException(409, "not_dead", "Item '" + AdminServer.abbreviate(id) + "' of queue '" + queue.name()
          + "' is " + ar.result().get().label() + ", not dead."));
    } else {
      AdminServer.json(rc, status, new JsonObject().put("id", id).put("queue", queue.name()).put("status", now));
    }
  }

  private void retryAll(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    queue.retryDead().onComplete(ar -> {
      if (ar.failed()) {
        rc.fail(toApi(ar.cause(), queue));
      } else {
        AdminServer.json(rc, 202, new JsonObject().put("queue", queue.name()).put("queued", ar.result()));
      }
    });
  }

  private static ApiException unknownItem(WorkQueue queue, String id) {
    return new ApiException(404, "unknown_item", "No item '" + AdminServer.abbreviate(id) + "' in queue '"
        + queue.name() + "': it never existed or its status has expired.");
  }

  private void list(RoutingContext rc) {
    WorkQueues work = host.feature(WorkQueues.class).orElseThrow();
    JsonArray queues = new JsonArray();
    for (String name : work.names()) {
      WorkQueue q = work.queue(name);
      queues.add(q.stats().toJson()
          .put("fullMode", q.options().fullMode().label())
          .put("concurrency", q.options().concurrency())
          .put("paused", q.paused())
          .put("types", new JsonArray(q.types().stream().sorted().toList())));
      java.util.Map<String, java.util.Map<String, Long>> nodes = q.perNode();
      if (!nodes.isEmpty()) {
        JsonObject byNode = new JsonObject();
        nodes.forEach((node, states) -> byNode.put(node, new JsonObject(new java.util.LinkedHashMap<>(states))));
        queues.getJsonObject(queues.size() - 1).put("nodes", byNode);
      }
    }
    AdminServer.json(rc, 200, new JsonObject().put("queues", queues).put("fire", work.fireStats().toJson()));
  }

  private void enqueue(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    if (host.lifetime().state() == HostState.STOPPING) {
      throw new ApiException(503, WorkException.STOPPING, "The host is stopping and accepts no new work.")
          .retryAfter(retryAfterSeconds(queue));
    }
    JsonObject json = JsonBody.object(rc);
    WorkItems.Request item;
    try {
      item = WorkItems.parse(json);   // the one validation every way in shares; the codes here are the API's
    } catch (WorkException e) {
      throw invalid(e, json);
    }
    String name = queue.name();
    queue.submit(item).onComplete(ar -> {
      if (ar.succeeded()) {
        String id = ar.result().id();
        rc.response().putHeader("Location", AdminServer.API + "/queues/" + name + "/items/" + id);
        if (ar.result().created()) {
          // The hottest answer of the API, written without a JsonObject and Jackson (same bytes, a few µs less).
          rc.response().setStatusCode(202).putHeader("content-type", "application/json")
              .end("{\"id\":" + quoted(id) + ",\"queue\":" + quoted(name) + ",\"status\":\"queued\"}");
        } else {   // an unfinished item has the key: its id, nothing created
          AdminServer.json(rc, 200, new JsonObject().put("id", id).put("queue", name).put("duplicate", true));
        }
      } else {
        rc.fail(toApi(ar.cause(), queue));
      }
    });
  }

  /**
   * An item's detail: its status and its payload ({@code null} when the store no longer keeps it), read together
   * (a durable store answers both from its own thread). Listings carry no payloads.
   */
  private void status(RoutingContext rc) {
    WorkQueue queue = queue(rc);
    String id = rc.pathParam("id");
    Future<Optional<ItemStatus>> found = queue.find(id);
    Future<Optional<JsonObject>> payload = queue.payload(id);
    Future.join(found, payload).onComplete(ar -> {
      Throwable failed = found.failed() ? found.cause() : payload.failed() ? payload.cause() : null;
      if (failed != null) {
        rc.fail(toApi(failed, queue));
        return;
      }
      ItemStatus status = found.result().orElse(null);
      if (status == null) {
        rc.fail(unknownItem(queue, id));
      } else {
        AdminServer.json(rc, 200, status.toJson().put("payload", payload.result().orElse(null)));
      }
    });
  }

  private WorkQueue queue(RoutingContext rc) {
    String name = rc.pathParam("queue");
    try {
      return host.feature(WorkQueues.class).orElseThrow().queue(name);
    } catch (WorkException e) {
      throw new ApiException(404, WorkException.UNKNOWN_QUEUE, "No queue is named '" + AdminServer.abbreviate(name)
          + "'; the queues are: " + String.join(", ", host.feature(WorkQueues.class).orElseThrow().names()) + ".");
    }
  }

  /** The API's 400 for an item {@link WorkItems#parse} refused, named after the offending field. */
  private static ApiException invalid(WorkException e, JsonObject json) {
    String field = e.field();
    if (WorkItems.TYPE.equals(field)) {
      Object type = json.getValue(WorkItems.TYPE);
      return new ApiException(400, "invalid_type", type == null
          ? "The field 'type' is missing; it must name a work type, such as \"log\"."
          : "The field 'type' must be a non-blank string, not " + JsonBody.describe(type) + ".");
    }
    if (WorkItems.PAYLOAD.equals(field)) {
      return new ApiException(400, "invalid_payload", "The field 'payload' must be a JSON object, not "
          + JsonBody.describe(json.getValue(WorkItems.PAYLOAD)) + ".");
    }
    if (WorkItems.DELAY.equals(field) || WorkItems.RUN_AT.equals(field) || WorkItems.KEY.equals(field)) {
      String code = WorkItems.DELAY.equals(field) ? "invalid_delay"
          : WorkItems.KEY.equals(field) ? "invalid_key" : "invalid_run_at";
      return new ApiException(400, code, capitalised(e.getMessage()) + ".");
    }
    if (field != null) {
      return new ApiException(400, "unknown_field", "The field '" + AdminServer.abbreviate(field)
          + "' is not allowed; an item has only 'type', 'payload', 'runAt', 'delay' and 'key'.");
    }
    return new ApiException(400, e.code(), capitalised(e.getMessage()) + ".");
  }

  private static Throwable toApi(Throwable cause, WorkQueue queue) {
    if (!(cause instanceof WorkException e)) {
      return cause;
    }
    String message = capitalised(e.getMessage()) + ".";
    return switch (e.code()) {
      case WorkException.UNKNOWN_TYPE -> new ApiException(422, e.code(), message);   // it lists the types already
      case WorkException.UNKNOWN_QUEUE -> new ApiException(404, e.code(), message);
      case WorkException.INVALID_ITEM -> new ApiException(400, e.code(), message);
      case WorkException.PAYLOAD_TOO_LARGE -> new ApiException(413, e.code(), message);
      case WorkException.QUEUE_FULL, WorkException.ENQUEUE_TIMEOUT -> new ApiException(503, e.code(), message)
          .retryAfter(retryAfterSeconds(queue));
      case WorkException.STOPPING, WorkException.STORE_UNAVAILABLE -> new ApiException(503, e.code(), message)
          .retryAfter(retryAfterSeconds(queue));
      default -> new ApiException(500, e.code(), message);
    };
  }

  /** {@code s} as a JSON string literal (quotes, backslashes and control characters escaped). */
  static String quoted(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        if (b == null) {
          b = new StringBuilder(s.length() + 16).append('"').append(s, 0, i);
        }
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> b.append(String.format("\\u%04x", (int) c));
        }
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? '"' + s + '"' : b.append('"').toString();
  }

  /** Work's messages start in lower case (they read inside log lines); the API's sentences start with a capital. */
  private static String capitalised(String message) {
    return message.isEmpty() ? message : Character.toUpperCase(message.charAt(0)) + message.substring(1);
  }

  /** A client should come back after about one enqueue timeout (at least a second): by then slots have freed. */
  private static long retryAfterSeconds(WorkQueue queue) {
    return Math.max(1, (queue.options().enqueueTimeout().toMillis() + 999) / 1000);
  }
}
