package io.berth.host;

import io.berth.admin.AdminModule;
import io.berth.admin.HttpOptions;
import io.berth.cluster.ClusterModule;
import io.berth.cluster.ClusterNodes;
import io.berth.cluster.ClusterOptions;
import io.berth.config.ConfigReader;
import io.berth.core.HostCore;
import io.berth.core.HostModule;
import io.berth.core.HostOptions;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceOptions;
import io.berth.core.TimedOptions;
import io.berth.metrics.MetricsModule;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.TimedService;
import io.berth.work.AsyncWorkHandler;
import io.berth.work.QueueOptions;
import io.berth.work.StoreOptions;
import io.berth.work.WorkHandler;
import io.berth.work.WorkModule;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.Context;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs hosted services on Vert.x in a fixed order, with work queues, fire-and-forget work and, when asked, the HTTP
 * server: the composition root of Berth's modules over the host core ({@link HostCore}). Each service is deployed
 * as a verticle, started one after another in registration order (the HTTP server always last), and stopped in
 * reverse order (the HTTP server first) under one shutdown deadline.
 *
 * <pre>{@code
 * Host host = Host.builder()
 *     .service(new Migrations())
 *     .background("poller", token -> { while (token.sleep(Duration.ofSeconds(5))) poll(); })
 *     .http(new HttpOptions().port(8080))
 *     .build();
 * System.exit(host.runUntilSignalled());
 * }</pre>
 */
public final class Host {

  /** Event bus address of service state changes: {@code {"service": ..., "state": ..., "error": ...}}. */
  public static final String SERVICES_ADDRESS = HostCore.SERVICES_ADDRESS;

  private final HostCore core;
  /** The cluster module of a clustered host, else null. */
  private final ClusterModule cluster;

  private Host(HostCore core) {
    this(core, null);
  }

  private Host(HostCore core, ClusterModule cluster) {
    this.core = core;
    this.cluster = cluster;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The host core, for modules and code that works with any host. */
  public HostCore core() {
    return core;
  }

  public Vertx vertx() {
    return core.vertx();
  }

  public ApplicationLifetime lifetime() {
    return core.lifetime();
  }

  public HostOptions options() {
    return core.options();
  }

  /** The host's service registry: singletons, and the scopes of timed runs, work items and fired jobs. */
  public ServiceRegistry registry() {
    return core.registry();
  }

  /** Runs timed service {@code name} now, off its schedule; see {@link HostCore#trigger(String)}. */
  public Future<Void> trigger(String name) {
    return core.trigger(name);
  }

  /** The cluster's members and node view when the host is clustered ({@link Builder#cluster}), else empty. */
  public Optional<ClusterNodes> cluster() {
    return core.feature(ClusterNodes.class);
  }

  /** The work queues and fire-and-forget work. */
  public WorkQueues work() {
    return core.feature(WorkQueues.class).orElseThrow();
  }

  /** The host-wide stopping token, cancelled as a stop begins ({@link ApplicationLifetime#stoppingToken()}). */
  public CancellationToken shutdownToken() {
    return core.shutdownToken();
  }

  /** Every service in start order, with its current state. */
  public List<ServiceInfo> services() {
    return core.services();
  }

  /**
   * 0 while nothing failed; 1 once a service failed (see {@link HostCore#exitCode()}), or when a clustered node
   * stopped because a pause of its own split it off the cluster (a supervisor should start it again).
   */
  public int exitCode() {
    return cluster != null && cluster.splitOff() ? 1 : core.exitCode();
  }

  /** What is left of the shutdown deadline (the whole timeout before a stop begins). */
  public Duration remainingShutdownTime() {
    return core.remainingShutdownTime();
  }

  /** Starts every service in order; see {@link HostCore#start()}. */
  public Future<Void> start() {
    return core.start();
  }

  /** Stops the host gracefully (once; later calls return the same future), completing when it has stopped. */
  public Future<Void> stop() {
    return core.stop();
  }

  /** Starts the host, then completes when it has stopped; fails when it could not start or something failed. */
  public Future<Void> run() {
    return core.run();
  }

  /**
   * For a {@code main} method: stops gracefully on SIGTERM/SIGINT, runs until stopped, and returns the exit code
   * ({@code System.exit(host.runUntilSignalled())}); see {@link HostCore#runUntilSignalled()}.
   */
  public int runUntilSignalled() throws InterruptedException {
    return core.runUntilSignalled();
  }

  /** Registers services, queues, handlers and modules in start order and builds the {@link Host}. */
  public static final class Builder {

    private final HostCore.Builder core = HostCore.builder();
    private final WorkModule work = new WorkModule();
    private AdminModule admin;
    private MetricsModule metrics;
    private boolean ownVertx;
    private HostOptions hostOptions = new HostOptions();
    private final List<Consumer<AdminModule>> checks = new ArrayList<>();
    private ConfigReader config;
    private ClusterOptions cluster;
    private PgConnectOptions leaseDatabase;

    private Builder() {
      core.module(work);
    }

    /** The registry of singletons and scoped services (an empty one by default); the host closes it last. */
    public Builder registry(ServiceRegistry registry) {
      core.registry(registry);
      return this;
    }

    /** Registers a timed service running {@code work} on {@code schedule}, which config may override. */
    public Builder timed(String name, Schedule schedule, TimedService work) {
      core.timed(name, schedule, work);
      return this;
    }

    /** Registers a timed service; {@code services.<name>} in config may set or override its schedule and options. */
    public Builder timed(String name, TimedService work, Consumer<TimedOptions> options) {
      core.timed(name, work, options);
      return this;
    }

    /**
     * Where the queues keep their items: {@code new StoreOptions()} is the embedded SQLite file
     * ({@code data/berth.db}, committed before an enqueue completes); without this call and without a {@code store}
     * config section, in memory. Config ({@code store.*}) overrides what is set here.
     */
    public Builder store(StoreOptions options) {
      work.store(options);
      return this;
    }

    /** Declares a work queue (service {@code queue:<name>}); {@code queues.<name>} in config may override it. */
    public Builder queue(QueueOptions options) {
      work.queue(options);
      return this;
    }

    /** A blocking handler for work items of {@code type}, on every queue. */
    public Builder handler(String type, WorkHandler handler) {
      work.handler(type, handler);
      return this;
    }

    /** A blocking handler for work items of {@code type}, on queue {@code queue} only. */
    public Builder handler(String queue, String type, WorkHandler handler) {
      work.handler(queue, type, handler);
      return this;
    }

    /** An async handler for work items of {@code type}, on every queue. */
    public Builder asyncHandler(String type, AsyncWorkHandler handler) {
      work.asyncHandler(type, handler);
      return this;
    }

    /** An async handler for work items of {@code type}, on queue {@code queue} only. */
    public Builder asyncHandler(String queue, String type, AsyncWorkHandler handler) {
      work.asyncHandler(queue, type, handler);
      return this;
    }

    /** Runs on this Vert.x instead of creating one; the host leaves it open when it stops. */
    public Builder vertx(Vertx vertx) {
      ownVertx = true;
      core.vertx(vertx);
      return this;
    }

    /** Runs on this Vert.x, and closes it after the last service stopped when {@code closeOnStop}. */
    public Builder vertx(Vertx vertx, boolean closeOnStop) {
      ownVertx = true;
      core.vertx(vertx, closeOnStop);
      return this;
    }

    public Builder options(HostOptions options) {
      hostOptions = Objects.requireNonNull(options);
      core.options(options);
      return this;
    }

    /**
     * The configuration: {@code services.<name>} for every service, {@code queues.<name>} for the queues; a
     * section naming no registered service is a config error. The application's own keys go under {@code app}.
     */
    public Builder config(ConfigReader config) {
      this.config = Objects.requireNonNull(config);
      core.config(config);
      return this;
    }

    /**
     * Joins a cluster (config section {@code cluster} overrides what is set here): the host builds a clustered
     * Vert.x on Hazelcast, its node id becomes the cluster member's, {@code GET /api/v1/nodes} lists the members,
     * and node joins and leaves are host events (topic {@code node}). With a PostgreSQL database for the leases
     * ({@code store.type: postgres} in config, or {@link #clusterLeases}), services declared singletons (and timed
     * services, by default) run on one node at a time. A clustered host creates its own Vert.x.
     */
    public Builder cluster(ClusterOptions options) {
      this.cluster = Objects.requireNonNull(options);
      return this;
    }

    /** The shared PostgreSQL database where singleton leases live; config {@code store.*} overrides it. */
    public Builder clusterLeases(PgConnectOptions database) {
      this.leaseDatabase = Objects.requireNonNull(database);
      return this;
    }

    public Builder nodeId(String nodeId) {
      core.nodeId(nodeId);
      return this;
    }

    /** Registers a hosted service named after its class. */
    public Builder service(HostedService service) {
      core.service(service);
      return this;
    }

    public Builder service(String name, HostedService service) {
      core.service(name, service);
      return this;
    }

    public Builder service(HostedService service, Consumer<ServiceOptions> options) {
      core.service(service, options);
      return this;
    }

    /** Registers a background service named after its class (give lambdas a name with the other overloads). */
    public Builder background(BackgroundService service) {
      core.background(service);
      return this;
    }

    public Builder background(String name, BackgroundService service) {
      core.background(name, service);
      return this;
    }

    public Builder background(BackgroundService service, Consumer<ServiceOptions> options) {
      core.background(service, options);
      return this;
    }

    /** Adds a module (tokens, a store, ...) at this place in the start order; see {@link HostCore.Builder#module}. */
    public Builder module(HostModule module) {
      core.module(module);
      return this;
    }

    /**
     * Adds the HTTP server (service name {@code http}) with the health routes and the admin API. The host always
     * starts it last and stops it first, whatever the order of registration; its bound address reaches the
     * lifetime once it listens.
     */
    public Builder http(HttpOptions options) {
      if (admin != null) {
        throw new IllegalStateException("the HTTP server is already added");
      }
      admin = new AdminModule(options);
      core.module(admin);
      return this;
    }

    /**
     * Adds the application's own routes to the HTTP server (after {@link #http}): one server and one port for
     * Berth's routes and the application's.
     */
    public Builder routes(Consumer<Router> routes) {
      if (admin == null) {
        throw new IllegalStateException("add the HTTP server with http(...) before its routes");
      }
      admin.routes(Objects.requireNonNull(routes));
      return this;
    }

    /**
     * Adds Prometheus metrics at {@code GET /metrics} (with {@link #http}): the JVM's, Vert.x's and Berth's own
     * {@code berth_…} series. The host creates its Vert.x with the module's metrics; an application that brings its
     * own Vert.x creates it with {@link MetricsModule#vertxBuilder} to get Vert.x's series too.
     */
    public Builder metrics(MetricsModule metrics) {
      if (this.metrics != null) {
        throw new IllegalStateException("metrics are already added");
      }
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      core.module(metrics);
      core.afterStop(metrics::close);
      return this;
    }

    /** Adds Prometheus metrics with the defaults (config section {@code metrics}); see {@link #metrics(MetricsModule)}. */
    public Builder metrics() {
      return metrics(new MetricsModule());
    }

    /** Serves the dashboard at {@code /dashboard/} (after {@link #http}); it signs in with the admin token. */
    public Builder dashboard() {
      if (admin == null) {
        throw new IllegalStateException("add the HTTP server with http(...) before the dashboard");
      }
      admin.dashboard();
      return this;
    }

    /**
     * Registers a health check of {@code /health/ready} (with {@link #http}), with a timeout of 5 s: readiness is
     * 503 while {@code procedure} fails or completes its promise with {@link Status#KO()}.
     */
    public Builder healthCheck(String name, Handler<Promise<Status>> procedure) {
      return healthCheck(name, Duration.ofSeconds(5), procedure);
    }

    /** Registers a health check of {@code /health/ready} that counts as failed after {@code timeout}. */
    public Builder healthCheck(String name, Duration timeout, Handler<Promise<Status>> procedure) {
      checks.add(a -> a.healthCheck(name, timeout, procedure));
      return this;
    }

    /** Runs {@code action} once every service has stopped (closing singletons, flushing a store). */
    public Builder afterStop(Runnable action) {
      core.afterStop(action);
      return this;
    }

    /** Validates the registrations (unique names, config of each service) and builds the host. */
    public Host build() {
      if (!checks.isEmpty() && admin == null) {
        throw new IllegalStateException("health checks need the HTTP server: add it with http(...)");
      }
      checks.forEach(c -> c.accept(admin));
      if (metrics != null && admin != null) {
        admin.routes(metrics::mount);
      }
      ClusterOptions clustered = cluster;
      if (config != null && config.has("cluster")) {
        clustered = (clustered != null ? clustered : new ClusterOptions().enabled(false))
            .read(config.section("cluster"));
      }
      if (clustered != null && clustered.enabled()) {
        return buildClustered(clustered);
      }
      if (metrics == null || ownVertx) {
        return new Host(core.build());
      }
      // Vert.x's metrics are chosen when Vert.x is created: the host creates it, as the core would, with them.
      Vertx vertx = metrics.vertxBuilder(new VertxOptions()
          .setMaxWorkerExecuteTime(Math.max(60, hostOptions.startTimeout().toSeconds() * 2))
          .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS)).build();
      core.vertx(vertx, true);
      try {
        return new Host(core.build());
      } catch (RuntimeException e) {
        vertx.close();
        throw e;
      }
    }

    /**
     * Joins the cluster on this (the building) thread, which waits for it: never an event loop. The host owns the
     * clustered Vert.x and closes it, leaving the cluster, when it stops.
     */
    private Host buildClustered(ClusterOptions options) {
      if (ownVertx) {
        throw new IllegalStateException("a clustered host creates its own Vert.x: leave vertx(...) out");
      }
      if (Context.isOnEventLoopThread()) {
        throw new IllegalStateException("build a clustered host off the event loop: joining the cluster waits");
      }
      PgConnectOptions database = config == null ? null
          : new StoreOptions().read(config.section("store")).postgresConnection();
      if (database == null) {
        database = leaseDatabase;
      }
      HazelcastClusterManager manager = new HazelcastClusterManager(options.hazelcastConfig());
      VertxOptions vertxOptions = new VertxOptions()
          .setMaxWorkerExecuteTime(Math.max(60, hostOptions.startTimeout().toSeconds() * 2))
          .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
      VertxBuilder builder = metrics != null ? metrics.vertxBuilder(vertxOptions) : Vertx.builder().with(vertxOptions);
      Vertx vertx;
      try {
        vertx = builder.withClusterManager(manager).buildClustered().toCompletionStage().toCompletableFuture()
            .get(2, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      } catch (ExecutionException | TimeoutException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        throw new IllegalStateException("could not join " + options + ": " + cause.getMessage(), cause);
      }
      core.vertx(vertx, true);
      core.nodeId(manager.getNodeId());
      ClusterModule module = new ClusterModule(options, manager, database);
      core.module(module);
      if (admin != null) {
        admin.routes((router, auth) -> module.nodes().mount(router, auth));
      }
      try {
        return new Host(core.build(), module);
      } catch (RuntimeException e) {
        vertx.close();
        throw e;
      }
    }
  }
}
