package io.berth.work;

import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.CancellationToken;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What one run of a work item (or of fired work) gets: its id and type, its payload, a token cancelled by its
 * timeout or by shutdown, and a {@link Scope} of its own. The scope is created on first use and closed by the queue
 * once the item ends, so resolve what the work needs here, never from the caller's (request) scope.
 */
public final class WorkContext {

  private final String id;
  private final String queue;
  private final String type;
  private final JsonObject payload;
  private final CancellationToken token;
  private final int attempt;
  private final ServiceRegistry registry;
  private final Vertx vertx;
  private Scope scope;
  private boolean ended;

  WorkContext(String id, String queue, String type, JsonObject payload, CancellationToken token, int attempt,
              ServiceRegistry registry, Vertx vertx) {
    this.id = id;
    this.queue = queue;
    this.type = type;
    this.payload = payload;
    this.token = token;
    this.attempt = attempt;
    this.registry = registry;
    this.vertx = vertx;
  }

  public String id() {
    return id;
  }

  /** The queue's name ({@code "fire"} for fire-and-forget work). */
  public String queue() {
    return queue;
  }

  public String type() {
    return type;
  }

  /** The item's payload (empty for local work); read it, do not keep it. */
  public JsonObject payload() {
    return payload == null ? new JsonObject() : payload;
  }

  /** Cancelled when the item times out ({@code reason() == "timeout"}) or the host stops ({@code "shutdown"}). */
  public CancellationToken token() {
    return token;
  }

  /** 1 for the first run. */
  public int attempt() {
    return attempt;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The item's own scope, named {@code work:<queue>/<id>}: scoped services resolved here live until the item ends.
   *
   * @throws IllegalStateException once the item has ended
   */
  public synchronized Scope scope() {
    if (scope == null) {
      if (ended) {
        throw new IllegalStateException("work item " + id + " has ended; its scope is closed");
      }
      scope = registry.createScope("work:" + queue + "/" + id);
    }
    return scope;
  }

  /** Closes the scope, if the work opened one; its services' close failures are logged by the scope. */
  void end() {
    Scope s;
    synchronized (this) {
      ended = true;
      s = scope;
    }
    if (s != null) {
      s.close();
    }
  }
}
