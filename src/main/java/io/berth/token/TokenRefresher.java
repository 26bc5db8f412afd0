package io.berth.token;

import io.berth.core.internal.Futures;
import io.berth.core.internal.Instants;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one refresher of one token: a hosted service that deploys a small event-loop verticle holding the token's
 * state machine. Every field below the volatile snapshots is touched only on that verticle's context, so no locks;
 * readers off the context see the volatile {@link #held} and {@link #info} snapshots.
 */
final class TokenRefresher implements HostedService {

  private static final Logger log = LoggerFactory.getLogger(TokenRefresher.class);
  private static final int SNIPPET = 200;

  final TokenOptions options;
  private final String name;
  /** The request's values; {@link #redactor} adds the current and the previous token to them. */
  private final Redactor secrets;
  private final String address;
  /** Where each fetch's outcome goes, one message per fetch: {@code berth.tokens.<name>.outcomes}, this node only. */
  private final String outcomes;
  /** Completes once the verticle's context exists; calls made before the host started wait on it. */
  private final Promise<Void> contextReady = Promise.promise();
  /** Completes with the first token or when the start timeout passes: what the service's start waits for. */
  private final Promise<Void> startup = Promise.promise();

  private volatile Context context;
  private volatile Held held;
  private volatile TokenInfo info;
  /** Set once the verticle stopped: Vert.x undeploys it with its parent, the hosted service, before that one's stop. */
  private volatile boolean loopStopped;

  // ---- confined to the context
  private Vertx vertx;
  private WebClient client;
  private String deploymentId;
  private Future<String> inFlight;
  private long refreshTimer = -1;
  private long retryTimer = -1;
  private long expiryTimer = -1;
  private long startTimer = -1;
  private boolean startWindowOpen = true;
  private boolean stopped;
  private int failures;
  private String lastError;
  /** Masks the request's values and the tokens fetched lately, which an upstream may echo in an error. */
  private Redactor redactor;
  private Instant lastRefreshAt;
  private Instant expiresAt;
  private Instant nextRefreshAt;
  private final List<Promise<String>> firstWaiters = new ArrayList<>();
  private final List<Promise<String>> attemptWaiters = new ArrayList<>();

  /** In a cluster: what the previous holder fetched (adopted instead of a fetch while fresh), or null. */
  private volatile TokenClient.Cached seed;
  /** In a cluster: answers the other nodes' requests on {@code berth.tokens.<name>.*} while it runs. */
  private volatile boolean serveCluster;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  TokenRefresher(TokenOptions options) {
    this.options = options;
    this.name = options.name();
    this.secrets = new Redactor(options.secrets());
    this.redactor = secrets;
    this.address = Tokens.ADDRESS_PREFIX + name;
    this.outcomes = Tokens.outcomesAddress(name);
    this.info = new TokenInfo(name, TokenState.UNAVAILABLE, null, null, null, 0, null);
  }

  // ---------------------------------------------------------------- hosted service

  /**
   * Before its start, in a cluster: answer the other nodes' requests, and adopt {@code seed} (what this node had from
   * the previous holder; null: none) instead of fetching while it is fresh.
   */
  void clustered(TokenClient.Cached seed) {
    this.seed = seed;
    this.serveCluster = true;
  }

  @Override
  public Future<Void> start(ServiceContext ctx) {
    return ctx.vertx().deployVerticle(new Loop()).compose(id -> {
      deploymentId = id;
      return startup.future();
    });
  }

  @Override
  public Future<Void> stop(ServiceContext ctx) {
    String id = deploymentId;
    if (id == null || loopStopped) {
      return Future.succeededFuture();
    }
    return ctx.vertx().undeploy(id).recover(e -> loopStopped ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** The verticle whose event-loop context owns the state machine. */
  private final class Loop extends VerticleBase {
    @Override
    public Future<?> start() {
      TokenRefresher.this.vertx = vertx;
      client = WebClient.create(vertx, new WebClientOptions().setUserAgent("berth-token-refresher")
          .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, options.requestTimeout().toMillis())));
      startTimer = vertx.setTimer(options.startTimeout().toMillis(), id -> {
        startTimer = -1;
        closeStartWindow();
      });
      TokenRefresher.this.context = context;
      if (seed != null && System.currentTimeMillis() < seed.staleAt()) {
        adopt(seed);
      } else {
        log.info("Token '{}': fetching the first token from {} {}", name, options.method(),
            redactor.redact(options.displayUrl()));
        fetch();
      }
      contextReady.complete();
      if (!serveCluster) {
        return Future.succeededFuture();
      }
      // The other nodes ask here; the registrations have reached the cluster once these complete.
      List<Future<Void>> registered = new ArrayList<>();
      for (String op : List.of(TokenClient.CURRENT, TokenClient.INVALIDATE, TokenClient.REFRESH)) {
        MessageConsumer<JsonObject> c = vertx.eventBus().consumer(TokenClient.address(name, op),
            m -> answer(op, m));
        consumers.add(c);
        registered.add(c.completion());
      }
      return Future.all(registered);
    }

    @Override
    public Future<?> stop() {
      stopped = true;
      loopStopped = true;
      consumers.forEach(MessageConsumer::unregister);
      consumers.clear();
      for (long t : new long[] {refreshTimer, retryTimer, expiryTimer, startTimer}) {
        if (t != -1) {
          vertx.cancelTimer(t);
        }
      }
      refreshTimer = retryTimer = expiryTimer = startTimer = -1;
      TokenException e = stoppedError();
      failAll(firstWaiters, e);
      failAll(attemptWaiters, e);
      startup.tryComplete();
      client.close();
      publish();
      return Future.succeededFuture();
    }
  }

  // ---------------------------------------------------------------- consumer API (any thread)

  Future<String> current() {
    Held h = held;
    if (h != null && h.valid()) {
      return Future.succeededFuture(h.value());
    }
    return onLoop(this::currentOnLoop);
  }

  Future<String> invalidate(String token) {
    return onLoop(() -> {
      Held h = held;
      if (stopped) {
        return Future.failedFuture(stoppedError());
      }
      if (h == null || !h.value().equals(token)) {
        // That token was already replaced: its holder just needs the current one, with no fetch.
        return inFlight != null ? inFlight : retryTimer != -1 ? nextAttempt() : currentOnLoop();
      }
      if (inFlight != null) {
        return inFlight;
      }
      if (retryTimer != -1) {
        // The upstream is failing and a retry is scheduled: do not hammer it once per consumer.
        return nextAttempt();
      }
      log.info("Token '{}' was reported invalid by a consumer; refreshing it now", name);
      return fetch();
    });
  }

  Future<String> refresh() {
    return onLoop(() -> {
      if (stopped) {
        return Future.failedFuture(stoppedError());
      }
      if (inFlight != null) {
        return inFlight;
      }
      log.info("Token '{}': refresh requested", name);
      return fetch();
    });
  }

  TokenInfo info() {
    return info;
  }

  // ---------------------------------------------------------------- cluster (on the context)

  /**
   * Answers another node's request with the current token: the value travels only in this reply, to the node that
   * asked, never in a publish, an event or a log. An invalidation names the token by its version: when that is the
   * current one, this is one invalidation like a local one (single flight); an older version gets the current token
   * with no fetch.
   */
  private void answer(String op, Message<JsonObject> m) {
    Future<String> result;
    switch (op) {
      case TokenClient.INVALIDATE -> {
        Held h = held;
        String version = m.body() == null ? null : m.body().getString("version");
        // A version that is not the current one (or none) can never match: invalidate() then hands the current one.
        result = invalidate(h != null && h.version().equals(version) ? h.value() : null);
      }
      case TokenClient.REFRESH -> result = refresh();
      default -> result = currentOnLoop();
    }
    result.onComplete(ar -> {
      // The token held now: the one just answered, or one fetched meanwhile, which is newer.
      Held h = held;
      if (ar.succeeded() && h != null && h.valid()) {
        m.reply(new JsonObject()
            .put("value", h.value())
            .put("version", h.version())
            .put("expiresAt", h.expiresAtMillis())
            .put("staleAt", nextRefreshAt == null ? null : nextRefreshAt.toEpochMilli())
            .put("refreshedAt", lastRefreshAt == null ? null : lastRefreshAt.toEpochMilli()));
      } else if (ar.succeeded()) {
        m.fail(TokenClient.failureCode(TokenException.UNAVAILABLE), "Token '" + name + "' expired while answering");
      } else if (ar.cause() instanceof TokenException e) {
        m.fail(TokenClient.failureCode(e.code()), e.getMessage());
      } else {
        m.fail(TokenClient.failureCode(TokenException.UNAVAILABLE), redactor.redact(describe(ar.cause())));
      }
    });
  }

  /**
   * Takes over the token the previous holder fetched (this node had it from there), so that a failover costs no
   * fetch: it is served until the previous holder's planned refresh, when this node refreshes it.
   */
  private void adopt(TokenClient.Cached c) {
    long now = System.currentTimeMillis();
    redactor = secrets.with(c.value());
    held = new Held(c.value(), c.version(), c.expiresAt());
    lastRefreshAt = c.refreshedAt() > 0 ? Instant.ofEpochMilli(c.refreshedAt()) : null;
    expiresAt = Instant.ofEpochMilli(c.expiresAt());
    expiryTimer = vertx.setTimer(Math.max(1, c.expiresAt() - now), id -> {
      expiryTimer = -1;
      onExpired();
    });
    long delay = Math.max(1, c.staleAt() - now);
    nextRefreshAt = Instant.ofEpochMilli(now + delay);
    refreshTimer = vertx.setTimer(delay, id -> {
      refreshTimer = -1;
      if (inFlight == null) {
        fetch();
      }
    });
    log.info("Token '{}': serving the token the previous holder fetched (valid for {}s more), next refresh in {}ms",
        name, (c.expiresAt() - now) / 1000, delay);
    cancelTimer(startTimer);
    startTimer = -1;
    startWindowOpen = false;
    startup.tryComplete();
    publish();
  }

  // ---------------------------------------------------------------- state machine (on the context)

  private Future<String> currentOnLoop() {
    Held h = held;
    if (h != null && h.valid()) {
      return Future.succeededFuture(h.value());
    }
    if (stopped) {
      return Future.failedFuture(stoppedError());
    }
    if (startWindowOpen) {
      Promise<String> p = Promise.promise();
      firstWaiters.add(p);
      return p.future();
    }
    return Future.failedFuture(new TokenException(TokenException.UNAVAILABLE, name, "Token '" + name
        + "' is unavailable" + (lastError == null ? "" : "; the last fetch failed: " + lastError)));
  }

  private Future<String> nextAttempt() {
    Promise<String> p = Promise.promise();
    attemptWaiters.add(p);
    return p.future();
  }

  /** Starts one fetch; the caller made sure none is in flight (single flight). */
  private Future<String> fetch() {
    cancelTimer(refreshTimer);
    cancelTimer(retryTimer);
    refreshTimer = retryTimer = -1;
    nextRefreshAt = null;
    Promise<String> result = Promise.promise();
    inFlight = result.future();
    publish();
    long t0 = System.nanoTime();
    Future<Fetched> response;
    try {
      response = send();
    } catch (RuntimeException e) {
      response = Future.failedFuture(e);
    }
    response.onComplete(ar -> runOnLoop(() -> {
      inFlight = null;
      if (stopped) {
        result.fail(stoppedError());
        return;
      }
      if (ar.succeeded()) {
        String value = onToken(ar.result(), (System.nanoTime() - t0) / 1_000_000);
        counted(true);
        result.complete(value);
      } else {
        onFailure(ar.cause());
        counted(false);
        result.fail(new TokenException(TokenException.REFRESH_FAILED, name,
            "Token '" + name + "' could not be refreshed: " + lastError));
      }
    }));
    return result.future();
  }

  private String onToken(Fetched f, long tookMs) {
    Instant now = Instant.now();
    long lifeMs = f.lifetime().toMillis();
    Held previous = held;
    redactor = secrets.with(f.value(), previous == null ? null : previous.value());
    held = new Held(f.value(), UUID.randomUUID().toString(), now.toEpochMilli() + lifeMs);
    failures = 0;
    lastError = null;
    lastRefreshAt = now;
    expiresAt = now.plusMillis(lifeMs);
    cancelTimer(expiryTimer);
    expiryTimer = vertx.setTimer(Math.max(1, lifeMs), id -> {
      expiryTimer = -1;
      onExpired();
    });
    Duration delay = options.refreshDelay(f.lifetime());
    nextRefreshAt = now.plus(delay);
    refreshTimer = vertx.setTimer(delay.toMillis(), id -> {
      refreshTimer = -1;
      if (inFlight == null) {
        fetch();
      }
    });
    log.info("Token '{}' refreshed in {}ms: valid for {}s, next refresh in {}ms", name, tookMs,
        lifeMs / 1000, delay.toMillis());
    completeAll(firstWaiters, f.value());
    completeAll(attemptWaiters, f.value());
    if (startWindowOpen) {
      cancelTimer(startTimer);
      startTimer = -1;
      startWindowOpen = false;
      startup.tryComplete();
    }
    publish();
    return f.value();
  }

  private void onFailure(Throwable cause) {
    failures++;
    lastError = redactor.redact(describe(cause));
    long delay = backoff(failures);
    nextRefreshAt = Instant.now().plusMillis(delay);
    retryTimer = vertx.setTimer(delay, id -> {
      retryTimer = -1;
      if (inFlight == null) {
        fetch();
      }
    });
    Held h = held;
    String serving = h != null && h.valid()
        ? "the previous token is served until it expires at " + expiresAt
        : "no token is available";
    log.warn("Token '{}' fetch failed (attempt {}): {}; {}; retrying in {}ms", name, failures, lastError, serving, delay);
    TokenException e = new TokenException(TokenException.REFRESH_FAILED, name,
        "Token '" + name + "' could not be refreshed: " + lastError);
    failAll(attemptWaiters, e);
    publish();
  }

  private void onExpired() {
    if (held != null && !held.valid()) {
      held = null;
      log.warn("Token '{}' expired with no replacement; it is unavailable until a fetch succeeds (last error: {})",
          name, lastError);
      publish();
    }
  }

  private void closeStartWindow() {
    if (!startWindowOpen) {
      return;
    }
    startWindowOpen = false;
    if (held == null) {
      log.warn("Token '{}': no token within the start timeout of {}ms; the host starts without it and the token is"
          + " unavailable until a fetch succeeds (last error: {})", name, options.startTimeout().toMillis(), lastError);
      failAll(firstWaiters, new TokenException(TokenException.UNAVAILABLE, name, "Token '" + name
          + "' is unavailable: no token within the start timeout" + (lastError == null ? "" : "; " + lastError)));
    }
    startup.tryComplete();
    publish();
  }

  /** Exponential from the initial backoff up to the maximum, with "equal jitter": half fixed, half random. */
  private long backoff(int attempt) {
    long initial = options.initialBackoff().toMillis();
    long max = options.maxBackoff().toMillis();
    long exp = attempt >= 31 ? max : Math.min(max, initial << Math.min(30, attempt - 1));
    if (exp < 0) {
      exp = max;
    }
    long half = Math.max(1, exp / 2);
    return half + ThreadLocalRandom.current().nextLong(half + 1);
  }

  private TokenState state() {
    Held h = held;
    boolean busy = inFlight != null || retryTimer != -1;
    if (h != null && h.valid()) {
      return busy ? TokenState.REFRESHING : TokenState.VALID;
    }
    return startWindowOpen && !stopped ? TokenState.REFRESHING : TokenState.UNAVAILABLE;
  }

  /**
   * Tells this node's listeners (metrics) that one fetch ended, whatever {@link #publish()} leaves out: a failure
   * with the same error as the last one changes nothing there, yet is one more failed refresh. Never the value or
   * the error; local only, so each node counts the fetches it made.
   */
  private void counted(boolean succeeded) {
    vertx.eventBus().publish(outcomes, new JsonObject().put("token", name)
        .put("outcome", succeeded ? Tokens.SUCCEEDED : Tokens.FAILED), LOCAL);
  }

  private static final io.vertx.core.eventbus.DeliveryOptions LOCAL =
      new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true);

  /** Updates the snapshot and, when it changed, publishes it on {@code berth.tokens.<name>} (never the value). */
  private void publish() {
    TokenInfo next = new TokenInfo(name, state(), expiresAt, lastRefreshAt, lastError, failures, nextRefreshAt);
    TokenInfo prev = info;
    info = next;
    if (prev.state() != next.state() || !java.util.Objects.equals(prev.expiresAt(), next.expiresAt())
        || !java.util.Objects.equals(prev.lastError(), next.lastError())) {
      vertx.eventBus().publish(address, new JsonObject()
          .put("token", name)
          .put("state", next.state().label())
          .put("expiresAt", Instants.iso(expiresAt))
          .put("refreshedAt", Instants.iso(lastRefreshAt))
          .put("lastError", lastError));
    }
  }

  // ---------------------------------------------------------------- HTTP

  private Future<Fetched> send() {
    long timeout = options.requestTimeout().toMillis();
    HttpRequest<Buffer> req = client.requestAbs(options.method(), options.url()).idleTimeout(timeout);
    options.query().forEach(req::addQueryParam);
    options.headers().forEach(req::putHeader);
    Future<HttpResponse<Buffer>> sent;
    if (options.json() != null) {
      sent = req.sendJsonObject(options.json());
    } else if (options.form() != null) {
      MultiMap form = MultiMap.caseInsensitiveMultiMap();
      options.form().forEach(form::add);
      sent = req.sendForm(form);
    } else {
      sent = req.send();
    }
    return sent.timeout(timeout, TimeUnit.MILLISECONDS).map(this::parse);
  }

  private Fetched parse(HttpResponse<Buffer> resp) {
    String body = resp.bodyAsString() == null ? "" : resp.bodyAsString();
    JsonObject json = null;
    try {
      json = body.isBlank() ? null : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      // Not JSON: reported below with a snippet of the body.
    }
    int status = resp.statusCode();
    if (status < 200 || status > 299) {
      String detail = json != null ? upstreamMessage(json) : null;
      throw new FetchException("HTTP " + status + " " + resp.statusMessage() + ": "
          + (detail != null ? detail : snippet(body)));
    }
    if (json == null) {
      throw new FetchException("the response is not a JSON object: " + snippet(body));
    }
    String upstream = upstreamMessage(json);
    if (upstream != null) {
      throw new FetchException(upstream);
    }
    Object token = json.getValue(options.tokenField());
    if (!(token instanceof String s) || s.isBlank()) {
      throw new FetchException("the response has no string field '" + options.tokenField() + "'");
    }
    return new Fetched(s, lifetime(json));
  }

  private Duration lifetime(JsonObject json) {
    Object v = json.getValue(options.expiresField());
    long seconds = -1;
    if (v instanceof Number n) {
      seconds = n.longValue();
    } else if (v instanceof String s && s.trim().matches("\\d{1,12}")) {
      seconds = Long.parseLong(s.trim());
    }
    if (seconds > 0) {
      return Duration.ofSeconds(seconds);
    }
    if (v == null && options.defaultLifetime() != null) {
      return options.defaultLifetime();
    }
    throw new FetchException("the response has no positive number field '" + options.expiresField() + "'");
  }

  /** A WeChat-style {@code errcode}/{@code errmsg} or an OAuth2 {@code error}/{@code error_description}, or null. */
  private static String upstreamMessage(JsonObject json) {
    Object code = json.getValue("errcode");
    if (code != null && !"0".equals(String.valueOf(code))) {
      return "upstream error " + code + ": " + json.getValue("errmsg");
    }
    Object error = json.getValue("error");
    if (error instanceof String e) {
      Object d = json.getValue("error_description");
      return "upstream error " + e + (d == null ? "" : ": " + d);
    }
    return null;
  }

  private String describe(Throwable e) {
    if (e instanceof TimeoutException) {
      return "no response within the request timeout of " + options.requestTimeout().toMillis() + "ms";
    }
    if (e instanceof FetchException) {
      return e.getMessage();
    }
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return "request failed: " + m;
  }

  private static String snippet(String body) {
    String s = body.replaceAll("\\s+", " ").trim();
    if (s.isEmpty()) {
      return "(empty body)";
    }
    return s.length() <= SNIPPET ? s : s.substring(0, SNIPPET) + "...";
  }

  // ---------------------------------------------------------------- helpers

  private <T> Future<T> onLoop(Supplier<Future<T>> body) {
    Context ctx = context;
    if (ctx == null) {
      return contextReady.future().compose(v -> onLoop(body));
    }
    if (Vertx.currentContext() == ctx) {
      return body.get();
    }
    return Futures.on(ctx, body::get);
  }

  private void runOnLoop(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  private void cancelTimer(long id) {
    if (id != -1) {
      vertx.cancelTimer(id);
    }
  }

  private TokenException stoppedError() {
    return new TokenException(TokenException.STOPPED, name, "Token '" + name + "' is stopped: the host is shutting down");
  }

  private static void completeAll(List<Promise<String>> waiters, String value) {
    List<Promise<String>> copy = new ArrayList<>(waiters);
    waiters.clear();
    copy.forEach(p -> p.tryComplete(value));
  }

  private static void failAll(List<Promise<String>> waiters, Throwable e) {
    List<Promise<String>> copy = new ArrayList<>(waiters);
    waiters.clear();
    copy.forEach(p -> p.tryFail(e));
  }

  /** A token and its version: a random id that names it on the event bus, where its value never goes unasked. */
  private record Held(String value, String version, long expiresAtMillis) {
    boolean valid() {
      return System.currentTimeMillis() < expiresAtMillis;
    }

    @Override
    public String toString() {
      return "Held[version=" + version + ", expiresAt=" + expiresAtMillis + "]";   // never the value
    }
  }

  private record Fetched(String value, Duration lifetime) {
  }

  /** A response that carries no usable token; its message is what lastError shows. */
  private static final class FetchException extends RuntimeException {
    FetchException(String message) {
      super(message, null, false, false);
    }
  }
}
