package io.berth.metrics;

import io.berth.config.ConfigReader;
import io.berth.core.HostModule;
import io.berth.core.HostView;
import io.berth.core.ModuleContext;
import io.berth.work.WorkMeters;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * Prometheus metrics as a host module: {@code GET /metrics} in the Prometheus text format, with the JVM's figures
 * (memory, GC, threads), Vert.x's (HTTP server, event bus, pools) when the host's Vert.x was created with
 * {@link #vertxBuilder}, and Berth's own {@code berth_…} series: per item from the queues' workers through the
 * {@link WorkMeters} feature it provides ({@link ItemMeters}), the rest from a host listener ({@link BerthMeters})
 * and read from the host at scrape time.
 *
 * <p>{@code Host.builder().metrics(...)} wires it: it creates Vert.x with this module's metrics. An application that
 * brings its own Vert.x creates it with {@code metrics.vertxBuilder(options).build()} to get Vert.x's metrics;
 * otherwise {@code /metrics} has the JVM's and Berth's only.
 *
 * <p>Config, section {@code metrics}: {@code requireToken} (false): {@code /metrics} asks for the admin token, as the
 * admin API does; set it when the server listens beyond loopback.
 */
public final class MetricsModule implements HostModule {

  /** The path of the scrape endpoint. */
  public static final String PATH = "/metrics";

  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private boolean requireToken;
  private JvmGcMetrics gc;
  private BerthMeters berth;

  /** The registry every meter lands in; an application may add its own meters to it. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Requires the admin token on {@code /metrics} (config {@code metrics.requireToken} overrides it). */
  public MetricsModule requireToken(boolean requireToken) {
    this.requireToken = requireToken;
    return this;
  }

  public boolean requireToken() {
    return requireToken;
  }

  /**
   * A Vert.x builder with this module's metrics enabled: Vert.x reports its HTTP server, event bus and pools to
   * {@link #registry()}. Vert.x metrics can only be chosen when Vert.x is created.
   */
  public VertxBuilder vertxBuilder(VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true);
    return Vertx.builder().with(new VertxOptions(options).setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  @Override
  public void register(ModuleContext context) {
    ConfigReader config = context.config();
    // Read unconditionally: BERTH_METRICS_REQUIRE_TOKEN applies without a metrics section in the file.
    requireToken = config.section("metrics").bool("requireToken", requireToken);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    HostView host = context.host();
    ItemMeters items = new ItemMeters();
    registry.getPrometheusRegistry().register(items);
    // The queues' workers feed the item series directly (no event built or dispatched per item).
    context.provide(WorkMeters.class, items);
    berth = new BerthMeters(registry, host);
    context.listen(berth);
  }

  /**
   * Mounts {@code GET /metrics}; with {@link #requireToken()} behind {@code adminAuth}, the admin API's token check.
   * The scrape runs off the event loop.
   */
  public void mount(Router router, Handler<RoutingContext> adminAuth) {
    if (requireToken) {
      router.route(PATH).handler(adminAuth);
    }
    router.get(PATH).handler(rc -> {
      berth.bind();
      rc.vertx().executeBlocking(registry::scrape, false).onComplete(ar -> {
        if (ar.succeeded()) {
          rc.response().putHeader("content-type", CONTENT_TYPE).end(ar.result());
        } else {
          rc.fail(ar.cause());
        }
      });
    });
  }

  /** Text of a scrape, as {@code GET /metrics} answers it. */
  public String scrape() {
    if (berth != null) {
      berth.bind();
    }
    return registry.scrape();
  }

  /** Releases the GC listeners; the host calls it after its last service stopped. */
  public void close() {
    if (gc != null) {
      gc.close();
    }
    registry.close();
  }
}
