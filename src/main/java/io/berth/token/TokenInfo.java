package io.berth.token;

import io.berth.core.internal.Instants;
import io.vertx.core.json.JsonObject;

import java.time.Instant;

/**
 * What can be shown about a token: never its value. Times are null until known; {@code lastError} is the most
 * recent failed fetch (secrets masked), cleared by the next successful one.
 */
public record TokenInfo(String name, TokenState state, Instant expiresAt, Instant lastRefreshAt, String lastError,
                        int consecutiveFailures, Instant nextRefreshAt) {

  /** {@code {"name", "state", "expiresAt", "lastRefreshAt", "lastError", "consecutiveFailures", "nextRefreshAt"}}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("state", state.label())
        .put("expiresAt", Instants.iso(expiresAt))
        .put("lastRefreshAt", Instants.iso(lastRefreshAt))
        .put("lastError", lastError)
        .put("consecutiveFailures", consecutiveFailures)
        .put("nextRefreshAt", Instants.iso(nextRefreshAt));
  }
}
