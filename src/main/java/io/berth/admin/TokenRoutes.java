package io.berth.admin;

import io.berth.core.HostView;
import io.berth.token.TokenException;
import io.berth.token.TokenInfo;
import io.berth.token.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * {@code GET /api/v1/tokens} and {@code POST /api/v1/tokens/{name}/refresh}: the shared access tokens' state, never
 * their values. The host's {@link Tokens} are found in its registry; a host without them lists none.
 */
final class TokenRoutes implements RouteGroup {

  private final HostView host;

  TokenRoutes(HostView host) {
    this.host = host;
  }

  @Override
  public void bind(ApiContract.Operations api) {
    api.on("listTokens", this::list);
    api.on("refreshToken", this::refresh);
  }

  private Tokens tokens() {
    HostView h = host;
    return h.feature(Tokens.class).orElseGet(() -> h.registry().has(Tokens.class) ? h.registry().get(Tokens.class) : null);
  }

  private void list(RoutingContext rc) {
    Tokens tokens = tokens();
    List<TokenInfo> infos = tokens == null ? List.of() : tokens.list();
    JsonArray out = new JsonArray();
    infos.forEach(i -> out.add(i.toJson()));
    AdminServer.json(rc, 200, new JsonObject().put("tokens", out));
  }

  private void refresh(RoutingContext rc) {
    String name = rc.pathParam("name");
    Tokens tokens = tokens();
    if (tokens == null) {
      throw new ApiException(404, TokenException.UNKNOWN_TOKEN,
          "No token is named '" + AdminServer.abbreviate(name) + "'.");
    }
    AdminServer.onRequestContext(rc, tokens.refresh(name), ar -> {
      if (ar.succeeded()) {
        AdminServer.json(rc, 200, ar.result().toJson());
      } else if (ar.cause() instanceof TokenException e) {
        rc.fail(new ApiException(status(e.code()), e.code(), Errors.sentence(e.getMessage())));
      } else {
        rc.fail(ar.cause());
      }
    });
  }

  private static int status(String code) {
    return switch (code) {
      case TokenException.UNKNOWN_TOKEN -> 404;
      case TokenException.REFRESH_FAILED -> 502;
      default -> 503;
    };
  }
}
