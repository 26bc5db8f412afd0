package io.berth.cli;

import io.berth.admin.HttpOptions;
import io.berth.cluster.ClusterOptions;
import io.berth.metrics.MetricsModule;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.config.Durations;
import io.berth.host.Host;
import io.berth.core.HostOptions;
import io.berth.scope.ServiceRegistry;
import io.berth.service.Schedule;
import io.berth.token.Tokens;
import io.berth.work.QueueOptions;
import io.berth.work.StoreOptions;
import io.vertx.core.Vertx;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;

/**
 * The host that {@code java -jar berth.jar} runs: the demo services, the {@code default} work queue with the demo
 * handlers ({@code demo.sleep}, {@code demo.fail}, {@code log}) and the HTTP server, all from config. The
 * {@code monitor} demo ({@link MonitorLoop}: "w" on standard input enqueues a work item) is there only with
 * {@code services.monitor.enabled: true}.
 */
final class DefaultApp {

  private DefaultApp() {
  }

  /**
   * Builds the default host on {@code vertx}, reading and validating every key of {@code config}. With
   * {@code cluster.enabled} the host joins the cluster on a clustered Vert.x of its own instead, and the caller
   * closes {@code vertx}.
   */
  static Host build(Vertx vertx, ConfigReader config) {
    return build(vertx, config, new MetricsModule());
  }

  /**
   * The default app on {@code vertx}, whose metrics go to {@code metrics} (create {@code vertx} with
   * {@link MetricsModule#vertxBuilder} for Vert.x's own series).
   */
  static Host build(Vertx vertx, ConfigReader config, MetricsModule metrics) {
    HostOptions options = HostOptions.from(config);
    HttpOptions http = HttpOptions.from(config.section("http"));
    if (http.drainDelay().compareTo(options.shutdownTimeout()) >= 0) {
      throw new ConfigException(config.section("http").key("drainDelay"), "must be shorter than shutdownTimeout ("
          + Durations.format(options.shutdownTimeout()) + "), or every stop would cut the HTTP server short");
    }
    ConfigReader services = config.section("services");
    Duration beat = services.section("heartbeat").duration("interval", Duration.ofSeconds(5), Duration.ofMillis(10));
    // Off by default, unlike the other services: it reads standard input. Registered whenever config names it, so
    // that "enabled": false is accepted (and the host leaves it out).
    boolean monitor = services.section("monitor").bool("enabled", false) || services.has("monitor");
    Tokens tokens = Tokens.fromConfig(config.section("tokens"), System.getenv());
    ClusterOptions cluster = ClusterOptions.from(config.section("cluster"));
    Host.Builder builder = Host.builder();
    if (cluster.enabled()) {
      builder.cluster(cluster);
    } else {
      builder.vertx(vertx, true);
    }
    builder
        .options(options)
        .config(config)
        .registry(ServiceRegistry.builder().singletonInstance(Tokens.class, tokens).build());
    builder.module(tokens)
        .background("heartbeat", new Heartbeat(beat))
        .timed("ticker", Schedule.every(Duration.ofSeconds(10)), new Ticker())
        .store(new StoreOptions())   // accepted means stored: SQLite unless config says store.type memory
        .queue(new QueueOptions("default"))
        .handler(DemoHandlers.SLEEP, DemoHandlers.SLEEP_HANDLER)
        .handler(DemoHandlers.FAIL, DemoHandlers.FAIL_HANDLER)
        .handler(DemoHandlers.LOG, DemoHandlers.LOG_HANDLER)
        .http(http)
        .metrics(metrics)    // GET /metrics; config section metrics (requireToken)
        .dashboard(); // GET /dashboard/
    if (monitor) {
      builder.background("monitor", new MonitorLoop(
          new BufferedReader(new InputStreamReader(System.in)), Duration.ofSeconds(5)));
    }
    Host host = builder.build();
    config.rejectUnknownKeys();
    return host;
  }
}
