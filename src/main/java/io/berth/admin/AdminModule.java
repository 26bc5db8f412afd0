package io.berth.admin;

import io.berth.config.ConfigReader;
import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
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
  private final List<BiConsumer<Router, Handler<RoutingContext>>> routes = new ArrayList<>();
  private final List<Readiness.Check> checks = new ArrayList<>();
  private final Set<String> checkNames = new LinkedHashSet<>();

  public AdminModule(HttpOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * Adds the application's own routes to Berth's server (one port, one server: a second server on the same port
   * would silently share its connections with this one). They are mounted after Berth's routes, so {@code /health}
   * and {@value #API} stay Berth's; errors they fail with get the same JSON error bodies.
   */
  public AdminModule routes(Consumer<Router> routes) {
    Objects.requireNonNull(routes, "routes");
    this.routes.add((router, auth) -> routes.accept(router));
    return this;
  }

  /**
   * Adds routes that may require the admin token: {@code routes} gets the router and the admin API's token check,
   * a handler to put in front of the routes that need it ({@code router.route("/metrics").handler(auth)}).
   */
  public AdminModule routes(BiConsumer<Router, Handler<RoutingContext>> routes) {
    this.routes.add(Objects.requireNonNull(routes, "routes"));
    return this;
  }

  /**
   * Registers a health check: {@code /health/ready} answers 503 while {@code procedure} fails, completes its promise
   * with a KO status, or takes longer than {@code timeout}; the body lists every check.
   */
  public AdminModule healthCheck(String name, Duration timeout, Handler<Promise<Status>> procedure) {
    if (name == null || name.isBlank() || !checkNames.add(name)) {
      throw new IllegalArgumentException("health check names must be unique and non-blank: '" + name + "'");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout of health check '" + name + "' must be positive");
    }
    checks.add(new Readiness.Check(name, timeout, Objects.requireNonNull(procedure, "procedure")));
    return this;
  }

  /**
   * Serves the dashboard at {@code /dashboard/}: services, queues, timed services and recent items, live from the
   * event stream. The page asks for the admin token and keeps it in the tab's {@code sessionStorage}.
   */
  public AdminModule dashboard() {
    Dashboard page = new Dashboard();
    return routes(page::mount);
  }

  @Override
  public void register(ModuleContext context) {
    Set<String> notCritical = new HashSet<>();
    ConfigReader config = context.config();
    if (config.has("services")) {
      ConfigReader services = config.section("services");
      for (String name : services.names()) {
        if (!services.section(name).bool("critical", true)) {
          notCritical.add(name);
        }
      }
    }
    // The contract's compile begins now, on a Vert.x of its own, overlapping the build and the other services' start.
    ApiContract.compiled();
    AdminServer server = new AdminServer(options, context.host(), List.copyOf(routes),
        new Readiness(checks, notCritical));
    context.edge("http", server, server::boundAddress);
  }
}
