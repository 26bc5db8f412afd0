package io.berth.metrics;

import io.berth.core.HostView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token series: refreshes per token and outcome, seconds until the current token expires, and its state. The tokens
 * module publishes each change of a token's state, expiry or last error on {@code berth.tokens.<name>} (never the
 * value), and the outcome of every fetch this node made on {@code berth.tokens.<name>.outcomes}; these meters follow
 * both, for every hosted service named {@code token:<name>}, from the moment the service starts. (This package may
 * not import {@code io.berth.token}; see the package table.)
 *
 * <p>The refreshes are counted from the outcomes, one message per fetch, not from the changes: a failure that
 * repeats the last error changes nothing and is not published there, but it is one more failed refresh. They count
 * this node's fetches (in a cluster, the node holding a singleton token's lease fetches it), so the nodes' counters
 * add up to the upstream's calls.
 */
final class TokenMeters {

  static final String SERVICE_PREFIX = "token:";
  static final String ADDRESS_PREFIX = "berth.tokens.";
  /** After the name: the fetches' outcomes ({@code Tokens.outcomesAddress}). */
  static final String OUTCOMES_SUFFIX = ".outcomes";
  static final String SUCCEEDED = "succeeded";
  static final String FAILED = "failed";
  private static final String[] STATES = {"valid", "refreshing", "unavailable"};

  private final MeterRegistry registry;
  private final HostView host;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  /** What the last message said about one token. */
  private static final class Token {
    volatile String state;
    volatile Instant expiresAt;
    Counter succeeded;
    Counter failed;
  }

  TokenMeters(MeterRegistry registry, HostView host) {
    this.registry = registry;
    this.host = host;
  }

  /** Follows token {@code service} ({@code token:<name>}) from now on; called as the service starts, once or more. */
  void watch(String service) {
    String name = service.substring(SERVICE_PREFIX.length());
    if (tokens.containsKey(name)) {
      return;
    }
    Token t = new Token();
    if (tokens.putIfAbsent(name, t) != null) {
      return;
    }
    t.succeeded = refreshes(name, SUCCEEDED);
    t.failed = refreshes(name, FAILED);
    Gauge.builder("berth.token.expiry.seconds", t, TokenMeters::secondsToExpiry)
        .description("Seconds until the current token expires (NaN: no token yet)").tag("token", name)
        .register(registry);
    for (String state : STATES) {
      Gauge.builder("berth.token.state", t, x -> state.equals(x.state) ? 1 : 0)
          .description("1 for the state a token is in, 0 for the others").tags("token", name, "state", state)
          .register(registry);
    }
    host.vertx().eventBus().<JsonObject>consumer(ADDRESS_PREFIX + name, m -> onChange(t, m.body()));
    host.vertx().eventBus().<JsonObject>localConsumer(ADDRESS_PREFIX + name + OUTCOMES_SUFFIX,
        m -> onOutcome(t, m.body()));
  }

  private Counter refreshes(String name, String outcome) {
    return Counter.builder("berth.token.refreshes").description("Token fetches this node made, per token and outcome")
        .tags("token", name, "outcome", outcome).register(registry);
  }

  private static void onOutcome(Token t, JsonObject outcome) {
    if (SUCCEEDED.equals(outcome.getString("outcome"))) {
      t.succeeded.increment();
    } else if (FAILED.equals(outcome.getString("outcome"))) {
      t.failed.increment();
    }
  }

  private static void onChange(Token t, JsonObject change) {
    t.state = change.getString("state");
    String expires = change.getString("expiresAt");
    t.expiresAt = expires == null ? null : Instant.parse(expires);
  }

  private static double secondsToExpiry(Token t) {
    Instant at = t.expiresAt;
    return at == null ? Double.NaN : Math.max(0, Duration.between(Instant.now(), at).toMillis() / 1000.0);
  }
}
