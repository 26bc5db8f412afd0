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
import io.berth.core.ModuleContext;
import io.berth.core.ServiceKind;
import io.berth.core.SingletonLeases;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The host that {@code java -jar berth.jar} runs: the demo services, the {@code default} work queue with the demo
 * handlers ({@code demo.sleep}, {@code demo.fail}, {@code log}) and the HTTP server, all from config. The
 * {@code monitor} demo ({@link MonitorLoop}: "w" on standard input enqueues a work item) is there only with
 * {@code services.monitor.enabled: true}.
 */
final class DefaultApp {

  private static final Logger log = LoggerFactory.getLogger(DefaultApp.class);

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
    if (ClusterOptions.from(config.withOverrides(Map.of()).section("cluster")).enabled()) {
      validateBeforeJoin(vertx, config);
    }
    Host host = builder(vertx, config, metrics, null).build();
    config.rejectUnknownKeys();
    return host;
  }

  /**
   * Reads and checks the whole configuration of a clustered host before it joins the cluster, which takes seconds
   * and makes the other members rebalance twice when the node then leaves on a config error: the same default app
   * is assembled once, apart, on {@code vertx} (not clustered) with a reader of its own, except what needs the
   * cluster or the database, which is checked on its own: the store's keys, and the database is reached once
   * ({@code store.url}, {@code store.user}, {@code store.password}). Then the unknown keys and the {@code BERTH_*}
   * variables that name no key, and whether the HTTP port is free. Fails with the {@link ConfigException} of the
   * first problem; opens nothing that outlives it.
   */
  static void validateBeforeJoin(Vertx vertx, ConfigReader config) {
    long t0 = System.nanoTime();
    // The stand-ins: memory for the store (so no file or database is opened), no cluster, singleton leases that are
    // never used (the assembly only asks whether there are any), and a body limit that fits any memory budget.
    StoreOptions storeOptions = new StoreOptions().read(config.withOverrides(Map.of()).section("store"));
    ConfigReader dry = config.withOverrides(Map.of("cluster.enabled", "false", "store.type", "memory",
        "http.maxBodySize", "1"));
    MetricsModule metrics = new MetricsModule();
    // The dry assembly's INFO lines ("Work store: memory", "Service ... is disabled") would tell of a host that never
    // runs: Berth's own loggers say only warnings meanwhile.
    org.slf4j.Logger berthLog = LoggerFactory.getLogger("io.berth");
    ch.qos.logback.classic.Logger quiet = berthLog instanceof ch.qos.logback.classic.Logger l ? l : null;
    ch.qos.logback.classic.Level level = quiet == null ? null : quiet.getLevel();
    if (quiet != null) {
      quiet.setLevel(ch.qos.logback.classic.Level.WARN);
    }
    try {
      builder(vertx, dry, metrics, storeOptions.type() != StoreOptions.Type.MEMORY).build();
      dry.rejectUnknownKeys();
    } finally {
      if (quiet != null) {
        quiet.setLevel(level);
      }
      metrics.close();
    }
    rejectUnusedEnvironmentOverrides(dry);
    await(storeOptions.probe(vertx));
    HttpOptions.from(config.withOverrides(Map.of()).section("http")).preflight();
    log.debug("Configuration checked before joining the cluster in {} ms",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  /** Fails naming the first {@code BERTH_*} environment variable that matches no key {@code config} read. */
  static void rejectUnusedEnvironmentOverrides(ConfigReader config) {
    // A typo in an override is as fatal as one in the file: BERTH_SHUTDOWN_TIMOUT would otherwise be ignored.
    for (String name : config.unusedEnvironmentOverrides()) {
      throw new ConfigException(name, "this environment variable matches no config key (a typo?); the variable"
          + " of a key is its path in upper case with '_', such as BERTH_SHUTDOWN_TIMEOUT for shutdownTimeout");
    }
  }

  private static void await(Future<Void> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the configuration", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * The default app's builder. {@code dryRun} (null: the real one) is for {@link #validateBeforeJoin}: stand-ins for
   * what the cluster module brings (the singleton leases, its service {@code cluster}) and, when {@code true}, the
   * database's service {@code store}, so that {@code services.cluster} or {@code services.store} are known there too.
   */
  private static Host.Builder builder(Vertx vertx, ConfigReader config, MetricsModule metrics, Boolean dryRun) {
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
      builder.vertx(vertx, dryRun == null);
    }
    if (dryRun != null) {
      boolean store = dryRun;
      builder.module(context -> {
        context.provide(SingletonLeases.class, UNUSED_LEASES);
        context.service("cluster", ServiceKind.HOSTED, ModuleContext.Placement.FIRST, NEVER_STARTED);
        if (store) {
          context.service("store", ServiceKind.HOSTED, ModuleContext.Placement.FIRST, NEVER_STARTED);
        }
      });
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
    return builder;
  }

  /** The dry run's stand-in services: the dry host never starts. */
  private static final HostedService NEVER_STARTED = new HostedService() {
    @Override
    public Future<Void> start(ServiceContext context) {
      return Future.failedFuture(new UnsupportedOperationException("the configuration check never starts a service"));
    }

    @Override
    public Future<Void> stop(ServiceContext context) {
      return Future.succeededFuture();
    }
  };

  /** The dry run's singleton leases: the assembly asks only whether there are any; the dry host never starts. */
  private static final SingletonLeases UNUSED_LEASES = new SingletonLeases() {
    @Override
    public Contention contend(String name, Holder holder) {
      throw new UnsupportedOperationException("the configuration check never starts a service");
    }

    @Override
    public OptionalLong fence(String name) {
      return OptionalLong.empty();
    }

    @Override
    public Future<Boolean> check(String name, long fence) {
      return Future.succeededFuture(false);
    }

    @Override
    public Future<Map<String, String>> holders() {
      return Future.succeededFuture(Map.of());
    }
  };
}
