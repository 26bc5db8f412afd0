package io.berth.admin;

import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.vertx.ext.web.Router;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The HTTP server as a host module: the health routes, the admin API under {@value #API} and the application's own
 * routes, on one server, started after every other service and stopped first (the host's edge service, {@code http}).
 *
 * <pre>{@code
 * Host.builder().http(new HttpOptions().port(8080))
 *     .routes(router -> router.get("/hello").handler(rc -> rc.end("hello")));
 * }</pre>
 */
public final class AdminModule implements HostModule {

  /** The admin API's base path. */
  public static final String API = AdminServer.API;

  private final HttpOptions options;
  private final List<Consumer<Router>> routes = new ArrayList<>();

  public AdminModule(HttpOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Adds the application's own routes to Berth's server (one port, one server: a second server on the same port
   * would silently share its connections with this one). They are mounted after Berth's routes, so {@code /health}
   * and {@value #API} stay Berth's; errors they fail with get the same JSON error bodies.
   */
  public AdminModule routes(Consumer<Router> routes) {
    this.routes.add(Objects.requireNonNull(routes, "routes"));
    return this;
  }

  @Override
  public void register(ModuleContext context) {
    AdminServer server = new AdminServer(options, context.host(), List.copyOf(routes));
    context.edge("http", server, server::boundAddress);
  }
}
