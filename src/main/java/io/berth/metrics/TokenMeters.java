package io.berth.metrics;

import io.berth.core.HostView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token series: successful refreshes per token, seconds until the current token expires, and its state. The tokens
 * module publishes each change of a token's state, expiry or last error on {@code berth.tokens.<name>} (never the
 * value); these meters follow those messages, for every hosted service named {@code token:<name>}, from the moment
 * the service starts. (This package may not import {@code io.berth.token}; see the package table.)
 *
 * <p>Every successful refresh moves the expiry, so it is published and counted exactly. A failed refresh is published
 * only when its error differs from the last one, so failures are not counted here.
 */
final class TokenMeters {

  static final String SERVICE_PREFIX = "token:";
  static final String ADDRESS_PREFIX = "berth.tokens.";
  private static final String[] STATES = {"valid", "refreshing", "unavailable"};

  private final MeterRegistry registry;
  private final HostView host;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  /** What the last message said about one token. */
  private static final class Token {
    volatile String state;
    volatile Instant expiresAt;
    volatile String refreshedAt;
    Counter refreshed;
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
    t.refreshed = Counter.builder("berth.token.refreshes").description("Token refreshes, per token and outcome")
        .tags("token", name, "outcome", "succeeded").register(registry);
    Gauge.builder("berth.token.expiry.seconds", t, TokenMeters::secondsToExpiry)
        .description("Seconds until the current token expires (NaN: no token yet)").tag("token", name)
        .register(registry);
    for (String state : STATES) {
      Gauge.builder("berth.token.state", t, x -> state.equals(x.state) ? 1 : 0)
          .description("1 for the state a token is in, 0 for the others").tags("token", name, "state", state)
          .register(registry);
    }
    host.vertx().eventBus().<JsonObject>consumer(ADDRESS_PREFIX + name, m -> onChange(t, m.body()));
  }

  private static void onChange(Token t, JsonObject change) {
    t.state = change.getString("state");
    String expires = change.getString("expiresAt");
    t.expiresAt = expires == null ? null : Instant.parse(expires);
    String refreshed = change.getString("refreshedAt");
    if (refreshed != null && !Objects.equals(refreshed, t.refreshedAt)) {
      t.refreshedAt = refreshed;
      t.refreshed.increment();
    }
  }

  private static double secondsToExpiry(Token t) {
    Instant at = t.expiresAt;
    return at == null ? Double.NaN : Math.max(0, Duration.between(Instant.now(), at).toMillis() / 1000.0);
  }
}
