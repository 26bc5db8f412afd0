package io.berth.token;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A token as a node that does not hold its refresher sees it, in a cluster where the token's service is a
 * singleton: it asks the holder over the clustered event bus ({@code berth.tokens.<name>.current}, {@code .invalidate},
 * {@code .refresh}), keeps the answer until the holder's planned refresh, and while no holder answers (a failover)
 * serves it until it expires. Concurrent asks share one request. Thread-safe.
 */
final class TokenClient {

  private static final Logger log = LoggerFactory.getLogger(TokenClient.class);

  static final String CURRENT = "current";
  static final String INVALIDATE = "invalidate";
  static final String REFRESH = "refresh";
  /** How long an answer with no planned refresh (the holder was fetching) is kept before asking again. */
  static final long UNPLANNED_STALE_MS = 1_000;
  /** How long a node whose copy is due for renewal but unexpired waits for the holder before serving the copy. */
  static final long STALE_ASK_MS = 1_000;
  /** The pause between asks while no node answers (a failover under way). */
  private static final long RETRY_MS = 100;
  private static final List<String> CODES = List.of(TokenException.UNAVAILABLE, TokenException.REFRESH_FAILED,
      TokenException.STOPPED);

  /**
   * A token as the holder answered it; {@code staleAt}: when the holder plans its refresh, after which this node asks
   * again. Its value never goes to a log: {@link #toString()} leaves it out.
   */
  record Cached(String value, String version, long expiresAt, long staleAt, long refreshedAt) {
    @Override
    public String toString() {
      return "Cached[version=" + version + ", expiresAt=" + expiresAt + ", staleAt=" + staleAt + "]";
    }
  }

  private final Vertx vertx;
  private final TokenOptions options;
  private final String name;
  private volatile Cached cached;
  /** Guarded by this: the one ask for the current token under way, and the invalidations under way by version. */
  private Future<Cached> asking;
  private final Map<String, Future<Cached>> invalidating = new HashMap<>();

  TokenClient(Vertx vertx, TokenOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.name = options.name();
  }

  /** {@code berth.tokens.<name>.<op>}. */
  static String address(String name, String op) {
    return Tokens.ADDRESS_PREFIX + name + "." + op;
  }

  /** The reply failure code of a {@link TokenException} code (its position + 1). */
  static int failureCode(String code) {
    int i = CODES.indexOf(code);
    return i < 0 ? 1 : i + 1;
  }

  /** The holder's answer kept here while it is fresh (for a failover: the node that takes over adopts it), or null. */
  Cached fresh() {
    Cached c = cached;
    return c != null && System.currentTimeMillis() < c.staleAt() ? c : null;
  }

  Future<String> current() {
    Cached c = cached;
    long now = System.currentTimeMillis();
    if (c != null && now < c.staleAt()) {
      return Future.succeededFuture(c.value());
    }
    Future<Cached> asked = ask();
    if (c != null && now < c.expiresAt()) {
      // A holder that died may leave the ask unanswered until its timeout: the copy here is good meanwhile.
      asked = asked.timeout(STALE_ASK_MS, TimeUnit.MILLISECONDS);
    }
    return asked.map(Cached::value).recover(e -> {
      Cached still = cached;
      if (still != null && System.currentTimeMillis() < still.expiresAt()) {
        // No holder answers (a failover under way): the token it handed out is good until it expires.
        return Future.succeededFuture(still.value());
      }
      return Future.failedFuture(e);
    });
  }

  Future<String> invalidate(String token) {
    Cached c = cached;
    if (c == null || !c.value().equals(token)) {
      // Not the token this node holds: an older one (already replaced) or none; the current one needs no fetch.
      return current();
    }
    Future<Cached> f;
    synchronized (this) {
      f = invalidating.get(c.version());
      if (f == null) {
        f = request(INVALIDATE, new JsonObject().put("version", c.version()));
        invalidating.put(c.version(), f);
        f.onComplete(ar -> {
          synchronized (this) {
            invalidating.remove(c.version());
          }
        });
      }
    }
    return f.map(Cached::value);
  }

  Future<TokenInfo> refresh() {
    return request(REFRESH, new JsonObject()).map(c -> info());
  }

  /** What this node knows of the token (never its value): valid while its copy is unexpired. */
  TokenInfo info() {
    Cached c = cached;
    long now = System.currentTimeMillis();
    if (c == null) {
      return new TokenInfo(name, TokenState.UNAVAILABLE, null, null, null, 0, null);
    }
    return new TokenInfo(name, now < c.expiresAt() ? TokenState.VALID : TokenState.UNAVAILABLE,
        Instant.ofEpochMilli(c.expiresAt()), c.refreshedAt() > 0 ? Instant.ofEpochMilli(c.refreshedAt()) : null, null,
        0, Instant.ofEpochMilli(c.staleAt()));
  }

  private Future<Cached> ask() {
    synchronized (this) {
      if (asking != null) {
        return asking;
      }
      Future<Cached> f = request(CURRENT, new JsonObject());
      asking = f;
      f.onComplete(ar -> {
        synchronized (this) {
          asking = null;
        }
      });
      return f;
    }
  }

  /** Asks the holder; while no node holds the token's lease, asks again until the deadline. */
  private Future<Cached> request(String op, JsonObject body) {
    long bound = Math.max(options.startTimeout().toMillis(), options.requestTimeout().toMillis()) + 1_000;
    Promise<Cached> result = Promise.promise();
    attempt(op, body, System.currentTimeMillis() + bound, bound, result);
    return result.future();
  }

  private void attempt(String op, JsonObject body, long deadline, long timeout, Promise<Cached> result) {
    long left = deadline - System.currentTimeMillis();
    vertx.eventBus().<JsonObject>request(address(name, op), body, new DeliveryOptions()
            .setSendTimeout(Math.max(1, Math.min(timeout, left))))
        .onSuccess(m -> result.complete(keep(m.body())))
        .onFailure(e -> {
          // No consumer, no answer, or a holder that is just stopping (it lost its lease): another node takes over.
          boolean noHolder = e instanceof ReplyException r && (r.failureType() != ReplyFailure.RECIPIENT_FAILURE
              || r.failureCode() == failureCode(TokenException.STOPPED));
          if (noHolder && System.currentTimeMillis() + RETRY_MS < deadline) {
            vertx.setTimer(RETRY_MS, id -> attempt(op, body, deadline, timeout, result));
            return;
          }
          result.fail(toTokenException(e));
        });
  }

  private TokenException toTokenException(Throwable e) {
    if (e instanceof ReplyException r && r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      int i = r.failureCode() - 1;
      String code = i >= 0 && i < CODES.size() ? CODES.get(i) : TokenException.UNAVAILABLE;
      return new TokenException(code, name, r.getMessage());
    }
    log.warn("Token '{}': no node of the cluster answered for it ({})", name, e.getMessage());
    return new TokenException(TokenException.UNAVAILABLE, name, "Token '" + name
        + "' is unavailable: no node of the cluster answered for it (its refresher is moving to another node?)");
  }

  /** Keeps the holder's answer unless a newer one is kept already (answers may cross). */
  private Cached keep(JsonObject reply) {
    long now = System.currentTimeMillis();
    long expiresAt = reply.getLong("expiresAt");
    Long planned = reply.getLong("staleAt");
    long staleAt = Math.min(expiresAt, planned != null && planned > now ? planned : now + UNPLANNED_STALE_MS);
    Long refreshedAt = reply.getLong("refreshedAt");
    Cached c = new Cached(reply.getString("value"), reply.getString("version"), expiresAt, staleAt,
        refreshedAt == null ? 0 : refreshedAt);
    synchronized (this) {
      Cached old = cached;
      if (old == null || old.version().equals(c.version()) || old.refreshedAt() <= c.refreshedAt()) {
        cached = c;
        return c;
      }
      return old;
    }
  }
}
