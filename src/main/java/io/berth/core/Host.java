package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.internal.Failures;
import io.berth.service.HostState;
import io.berth.service.ApplicationLifetime;
import io.berth.admin.AdminServer;
import io.berth.admin.HttpOptions;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.scope.ServiceRegistry;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationSource;
import io.berth.service.CancellationToken;
import io.berth.service.ExceptionPolicy;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.service.TimedService;
import io.berth.work.AsyncWorkHandler;
import io.berth.work.QueueOptions;
import io.berth.work.WorkHandler;
import io.berth.work.WorkQueues;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs hosted services on Vert.x in a fixed order: each is deployed as a verticle, started one after another in
 * registration order (the HTTP server always last), and stopped in reverse order (the HTTP server first) under one
 * shutdown deadline. Berth undeploys every verticle itself, in order, rather than relying on {@code Vertx.close()}.
 *
 * <pre>{@code
 * Host host = Host.builder()
 *     .service(new Migrations())
 *     .background("poller", token -> { while (token.sleep(Duration.ofSeconds(5))) poll(); })
 *     .http(new HttpOptions().port(8080))
 *     .build();
 * host.run().await();
 * }</pre>
 */
public final class Host {

  /** Event bus address of service state changes: {@code {"service": ..., "state": ..., "error": ...}}. */
  public static final String SERVICES_ADDRESS = "berth.services";

  private static final Logger log = LoggerFactory.getLogger(Host.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final HostOptions options;
  private final List<ManagedService> services;
  private final HostLifetime lifetime;
  private final Context orchestrator;
  private final CancellationSource shutdown = new CancellationSource();
  private final Control control = new Control();
  private final List<Runnable> afterStop;
  private final ServiceRegistry registry;
  private final WorkQueues work;

  private volatile boolean failed;
  private volatile String failedService;
  private volatile long deadlineNanos;
  private Future<Void> startFuture;
  private Future<Void> stopFuture;
  /** Deployments still under way (several with servicesStartConcurrently): a stop waits for them, bounded. */
  private final Set<Future<String>> pendingStarts = new LinkedHashSet<>();

  private Host(Builder b) {
    this.ownsVertx = b.vertx == null || b.closeVertx;
    this.vertx = b.vertx != null ? b.vertx : Vertx.vertx(new VertxOptions()
        .setMaxWorkerExecuteTime(Math.max(60, b.options.startTimeout().toSeconds() * 2))
        .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS));
    this.options = b.options;
    this.lifetime = new HostLifetime(vertx, b.nodeId, this::requestStop);
    this.orchestrator = vertx.getOrCreateContext();
    this.registry = b.registry;
    List<Runnable> closers = new ArrayList<>(b.afterStop);
    closers.add(registry::close);   // singletons live until every service has stopped
    this.afterStop = List.copyOf(closers);
    this.work = b.work;
    List<ManagedService> all = new ArrayList<>();
    for (Registration r : b.registrations) {
      all.add(r.toManaged(this));
    }
    this.services = Collections.unmodifiableList(all);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ApplicationLifetime lifetime() {
    return lifetime;
  }

  public HostOptions options() {
    return options;
  }

  /** The host's service registry: singletons, and the scopes of timed runs, work items and fired jobs. */
  public ServiceRegistry registry() {
    return registry;
  }

  /**
   * Runs timed service {@code name} now, off its schedule. Fails with a {@link TriggerException}: the service is
   * unknown, not timed, not running, or already running and allows no (more) overlap.
   */
  public Future<Void> trigger(String name) {
    ManagedService s = services.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    if (s == null) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.UNKNOWN_SERVICE,
          "no service is named '" + name + "'"));
    }
    if (s.kind() != ServiceKind.TIMED) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_TIMED,
          "service '" + name + "' is a " + s.kind().label() + " service, not a timed one"));
    }
    if (!(s.runner instanceof TimedRunner runner) || s.deploymentId == null) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + name + "' is not running (state " + s.state.label() + ")"));
    }
    return runner.trigger();
  }

  /** The work queues and fire-and-forget work. */
  public WorkQueues work() {
    return work;
  }

  /** Cancelled when the host starts stopping. */
  public CancellationToken shutdownToken() {
    return shutdown.token();
  }

  /** Every service in start order, with its current state. */
  public List<ServiceInfo> services() {
    return services.stream().map(ManagedService::info).toList();
  }

  /** 0 while nothing failed; 1 once a service failed to start, crashed under StopHost, or failed to stop in time. */
  public int exitCode() {
    return failed ? 1 : 0;
  }

  /** What is left of the shutdown deadline (the whole timeout before a stop begins). */
  public Duration remainingShutdownTime() {
    if (deadlineNanos == 0) {
      return options.shutdownTimeout();
    }
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }

  /**
   * Starts every service in order. Fails with {@link HostStartException} when one fails or times out, after the
   * services already started were stopped in reverse order.
   */
  public Future<Void> start() {
    return onOrchestrator(() -> {
      if (startFuture == null) {
        startFuture = doStart();
      }
      return startFuture;
    });
  }

  /** Stops the host gracefully (once; later calls return the same future), completing when it has stopped. */
  public Future<Void> stop() {
    requestStop();
    return lifetime.stopped();
  }

  /** Starts the host, then completes when it has stopped; fails when it could not start or something failed. */
  public Future<Void> run() {
    return start().compose(v -> lifetime.stopped()).compose(v -> failed
        ? Future.failedFuture(new IllegalStateException(failedService != null
            ? "the host stopped because service '" + failedService + "' failed"
            : "the host stopped with a failed service; see the log"))
        : Future.succeededFuture());
  }

  // ---------------------------------------------------------------- start

  private Future<Void> doStart() {
    long t0 = System.nanoTime();
    lifetime.starting();
    log.info("Host starting {} service(s): {}", services.size(),
        String.join(", ", services.stream().map(ManagedService::name).toList()));
    List<ManagedService> others = services.stream().filter(s -> s.kind() != ServiceKind.HTTP).toList();
    List<ManagedService> http = services.stream().filter(s -> s.kind() == ServiceKind.HTTP).toList();
    return startGroup(others)
        .compose(v -> startGroup(http))
        .compose(v -> startedHooks())
        .compose(v -> {
          if (stopFuture != null) {
            return Future.failedFuture(stoppedWhileStarting());
          }
          lifetime.markStarted();
          log.info("Host started in {}ms", elapsedMs(t0));
          return Future.<Void>succeededFuture();
        })
        .recover(this::startFailed);
  }

  private Future<Void> startGroup(List<ManagedService> group) {
    if (options.servicesStartConcurrently() && group.size() > 1) {
      List<Future<Void>> all = group.stream().map(this::startOne).toList();
      return Future.join(all).transform(ar -> firstFailure(all));
    }
    Future<Void> chain = Future.succeededFuture();
    for (ManagedService s : group) {
      chain = chain.compose(v -> startOne(s));
    }
    return chain;
  }

  private Future<Void> startOne(ManagedService s) {
    if (stopFuture != null) {
      return Future.failedFuture(stoppedWhileStarting());
    }
    long t0 = System.nanoTime();
    serviceState(s, ServiceState.STARTING, null);
    ServiceRunner runner = s.createRunner();
    ServiceVerticle verticle = new ServiceVerticle(runner, this::remainingShutdownTime);
    s.verticle = verticle;
    ThreadingModel model = s.kind() == ServiceKind.HOSTED ? ThreadingModel.WORKER : ThreadingModel.EVENT_LOOP;
    Future<String> deploy = vertx.deployVerticle(verticle, new DeploymentOptions().setThreadingModel(model));
    pendingStarts.add(deploy);
    Duration timeout = s.startTimeout();
    return deploy.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).transform(ar -> {
      pendingStarts.remove(deploy);
      if (ar.succeeded()) {
        s.deploymentId = ar.result();
        s.startedAt = Instant.now();
        // A background loop may already have ended or crashed: only a service still starting becomes running.
        if (s.transition(ServiceState.STARTING, ServiceState.RUNNING)) {
          publishState(s, ServiceState.RUNNING, null);
        }
        log.info("Service '{}' ({}) started in {}ms", s.name(), s.kind().label(), elapsedMs(t0));
        return Future.<Void>succeededFuture();
      }
      Throwable cause = ar.cause();
      String why;
      if (Failures.isTimeout(cause)) {
        runner.interrupt();
        // The deployment may still complete later: undeploy it then, so nothing keeps running unseen.
        deploy.onSuccess(vertx::undeploy);
        why = "did not start within " + timeout.toMillis() + "ms (startTimeout). A start must finish its setup and"
            + " return; long-running work belongs in a BackgroundService, whose execute runs off the startup path";
      } else {
        why = "failed to start: " + describe(cause);
      }
      serviceState(s, ServiceState.FAILED, why);
      return Future.failedFuture(new HostStartException(s.name(), "Service '" + s.name() + "' " + why, cause));
    });
  }

  private HostStartException stoppedWhileStarting() {
    String service = failedService;
    return new HostStartException(service, service != null
        ? "Service '" + service + "' failed while the host was starting"
        : "the host was stopped while starting", null);
  }

  private Future<Void> startedHooks() {
    Future<Void> chain = Future.succeededFuture();
    for (ManagedService s : services) {
      chain = chain.compose(v -> backOnOrchestrator(s.verticle.started()
          .timeout(s.startTimeout().toMillis(), TimeUnit.MILLISECONDS))
          .recover(e -> {
            String why = Failures.isTimeout(e)
                ? "started hook did not complete within " + s.startTimeout().toMillis() + "ms (startTimeout)"
                : "started hook failed: " + describe(e);
            serviceState(s, ServiceState.FAILED, why);
            return Future.failedFuture(new HostStartException(s.name(), "Service '" + s.name() + "' " + why, e));
          }));
    }
    return chain;
  }

  /** The outcome of {@code f}, delivered on the orchestrator, so that every step of a start or stop runs there. */
  private <T> Future<T> backOnOrchestrator(Future<T> f) {
    Promise<T> promise = Promise.promise();
    f.onComplete(ar -> orchestrator.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }

  private Future<Void> startFailed(Throwable e) {
    boolean stopRequested = stopFuture != null;
    if (!stopRequested) {
      failed = true;
      log.error("Host failed to start: {}", e.getMessage());
    } else {
      log.info("Host start interrupted by a stop request");
    }
    return stopOnOrchestrator().transform(ar -> Future.failedFuture(e));
  }

  // ---------------------------------------------------------------- stop

  private void requestStop() {
    if (lifetime.state() == HostState.STOPPED) {
      return;
    }
    try {
      orchestrator.runOnContext(v -> stopOnOrchestrator());
    } catch (RejectedExecutionException e) {
      // Vert.x is already closed: the host has stopped, and a late request has nothing left to do.
    }
  }

  private Future<Void> stopOnOrchestrator() {
    if (stopFuture != null) {
      return stopFuture;
    }
    long t0 = System.nanoTime();
    deadlineNanos = t0 + options.shutdownTimeout().toNanos();
    log.info("Host stopping (shutdown timeout {}ms)", options.shutdownTimeout().toMillis());
    lifetime.markStopping();
    shutdown.cancel("shutdown");
    List<String> cutShort = Collections.synchronizedList(new ArrayList<>());
    // A service may still be in the middle of its start: wait for it, but never past the deadline.
    Future<Void> settled = Future.join(new ArrayList<>(pendingStarts)).<Void>transform(ar -> Future.succeededFuture())
        .timeout(Math.max(1, remainingShutdownTime().toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.succeededFuture());
    stopFuture = settled
        .compose(v -> stopAll(cutShort))
        .compose(v -> runAfterStop(cutShort))
        .compose(v -> {
          lifetime.publishStopped();
          if (cutShort.isEmpty()) {
            log.info("Host stopped in {}ms", elapsedMs(t0));
          } else {
            log.warn("Host stopped in {}ms; cut short: {}", elapsedMs(t0), String.join(", ", cutShort));
          }
          if (ownsVertx) {
            closeVertx();
          } else {
            lifetime.completeStopped();
          }
          return Future.<Void>succeededFuture();
        });
    return stopFuture;
  }

  /**
   * Closes Vert.x from a thread of its own: a close started on an event loop would try to report its completion on
   * that same, by then terminated, event loop.
   */
  private void closeVertx() {
    Threads.start("berth-close", false, () -> vertx.close().onComplete(ar -> {
      if (ar.failed()) {
        log.warn("Closing Vert.x failed: {}", describe(ar.cause()));
      }
      lifetime.completeStopped();
    }));
  }

  private Future<Void> stopAll(List<String> cutShort) {
    List<ManagedService> reverse = new ArrayList<>(services);
    Collections.reverse(reverse);
    List<ManagedService> deployed = reverse.stream().filter(s -> s.deploymentId != null).toList();
    List<ManagedService> http = deployed.stream().filter(s -> s.kind() == ServiceKind.HTTP).toList();
    List<ManagedService> others = deployed.stream().filter(s -> s.kind() != ServiceKind.HTTP).toList();
    return stopGroup(http, cutShort).compose(v -> stopGroup(others, cutShort));
  }

  private Future<Void> stopGroup(List<ManagedService> group, List<String> cutShort) {
    if (options.servicesStopConcurrently() && group.size() > 1) {
      return Future.join(group.stream().map(s -> stopOne(s, cutShort)).toList()).mapEmpty();
    }
    Future<Void> chain = Future.succeededFuture();
    for (ManagedService s : group) {
      chain = chain.compose(v -> stopOne(s, cutShort));
    }
    return chain;
  }

  /** Stops one service; never fails, so that every service is asked to stop. */
  private Future<Void> stopOne(ManagedService s, List<String> cutShort) {
    long t0 = System.nanoTime();
    boolean wasFailed = s.state == ServiceState.FAILED;
    if (!wasFailed) {
      serviceState(s, ServiceState.STOPPING, null);
    }
    // The runner bounds its own stop; this bound catches a stop that blocks its thread before returning a future.
    long safety = remainingShutdownTime().toMillis() + 200;
    return vertx.undeploy(s.deploymentId)
        .timeout(safety, TimeUnit.MILLISECONDS)
        .onFailure(e -> {
          if (Failures.isTimeout(e)) {
            s.runner.interrupt();
          }
        })
        .transform(ar -> {
          s.deploymentId = null;
          if (ar.succeeded()) {
            if (!wasFailed) {
              serviceState(s, ServiceState.STOPPED, null);
            }
            log.info("Service '{}' stopped in {}ms", s.name(), elapsedMs(t0));
          } else {
            failed = true;
            Throwable e = ar.cause();
            if (e instanceof StopTimeoutException || Failures.isTimeout(e)) {
              cutShort.add(s.name());
              log.warn("Service '{}' did not stop within its share of the shutdown timeout and was cut short: {}",
                  s.name(), e.getMessage());
              serviceState(s, ServiceState.FAILED, "cut short at shutdown: " + e.getMessage());
            } else {
              log.error("Service '{}' failed to stop: {}", s.name(), describe(e), e);
              serviceState(s, ServiceState.FAILED, "failed to stop: " + describe(e));
            }
          }
          return Future.<Void>succeededFuture();
        });
  }

  /** Closes what lives until every service has stopped (singletons), bounded by what is left of the deadline. */
  private Future<Void> runAfterStop(List<String> cutShort) {
    Promise<Void> done = Promise.promise();
    Threads.start("berth-after-stop", false, () -> {
      for (Runnable r : afterStop) {
        try {
          r.run();
        } catch (Throwable e) {
          failed = true;
          log.error("Closing after stop failed: {}", describe(e), e);
        }
      }
      done.tryComplete();
    });
    return backOnOrchestrator(done.future()
        .timeout(Math.max(1, remainingShutdownTime().toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> {
          failed = true;
          cutShort.add("after-stop (closing singletons)");
          log.warn("Closing singletons after stop did not finish within the shutdown timeout; cut short");
          return Future.succeededFuture();
        }));
  }

  // ---------------------------------------------------------------- helpers

  void serviceState(ManagedService s, ServiceState state, String error) {
    s.set(state, error);
    publishState(s, state, error);
  }

  private void publishState(ManagedService s, ServiceState state, String error) {
    JsonObject event = new JsonObject().put("service", s.name()).put("state", state.label());
    if (error != null) {
      event.put("error", error);
    }
    vertx.eventBus().publish(SERVICES_ADDRESS, event);
  }

  private <T> Future<T> onOrchestrator(Supplier<Future<T>> body) {
    Promise<T> promise = Promise.promise();
    orchestrator.runOnContext(v -> body.get().onComplete(promise));
    return promise.future();
  }

  private static Future<Void> firstFailure(List<Future<Void>> all) {
    return all.stream().filter(Future::failed).findFirst().orElse(Future.succeededFuture());
  }

  private static long elapsedMs(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getName() : e.getMessage();
  }

  private final class Control implements HostControl {
    @Override
    public void serviceState(ManagedService service, ServiceState state, String error) {
      Host.this.serviceState(service, state, error);
    }

    @Override
    public void failAndStop(String service) {
      failed = true;
      if (failedService == null) {
        failedService = service;
      }
      requestStop();
    }
  }

  private final class Ctx implements ServiceContext {
    private final ManagedService service;
    private final CancellationSource cancellation = CancellationSource.linkedTo(shutdown.token());

    Ctx(ManagedService service) {
      this.service = service;
    }

    @Override
    public String name() {
      return service.name();
    }

    @Override
    public Vertx vertx() {
      return vertx;
    }

    @Override
    public ApplicationLifetime lifetime() {
      return lifetime;
    }

    @Override
    public JsonObject config() {
      return service.config();
    }

    @Override
    public CancellationToken cancellation() {
      return cancellation.token();
    }
  }

  // ---------------------------------------------------------------- builder

  /** A registration waiting for its host. */
  private record Registration(String name, ServiceKind kind, ServiceOptions options, Object service, JsonObject config) {

    ManagedService toManaged(Host host) {
      Duration startTimeout = options.startTimeout() != null ? options.startTimeout() : host.options.startTimeout();
      ExceptionPolicy policy = options.exceptionPolicy() != null ? options.exceptionPolicy() : host.options.exceptionPolicy();
      RestartPolicy restart = options.restartPolicy() != null ? options.restartPolicy() : host.options.restartPolicy();
      return new ManagedService(name, kind, startTimeout, config, managed -> {
        Ctx ctx = host.new Ctx(managed);
        return switch (kind) {
          case BACKGROUND -> new BackgroundRunner((BackgroundService) service, ctx, managed, host.control, policy,
              restart, host.options.virtualThreads());
          case TIMED -> {
            TimedSpec spec = (TimedSpec) service;
            yield new TimedRunner(spec.work(), spec.options(), ctx, host.registry, host.options.virtualThreads());
          }
          case HTTP -> {
            AdminServer server = new AdminServer((HttpOptions) service, () -> host);
            yield new HttpRunner(new HostedRunner(server, ctx), server, host.lifetime);
          }
          default -> new HostedRunner((HostedService) service, ctx);
        };
      });
    }
  }

  private record TimedSpec(TimedService work, TimedOptions options) {
  }

  /** Registers services in start order and builds the {@link Host}. */
  public static final class Builder {

    private Vertx vertx;
    private boolean closeVertx = true;
    private HostOptions options = new HostOptions();
    private ConfigReader config;
    private String nodeId = UUID.randomUUID().toString();
    private final List<Registration> registrations = new ArrayList<>();
    private Registration http;
    private final List<Runnable> afterStop = new ArrayList<>();
    private ServiceRegistry registry;
    private final WorkQueues.Builder workBuilder = WorkQueues.builder();
    private WorkQueues work;

    private Builder() {
    }

    /** The registry of singletons and scoped services (an empty one by default); the host closes it last. */
    public Builder registry(ServiceRegistry registry) {
      this.registry = Objects.requireNonNull(registry);
      return this;
    }

    /** Registers a timed service running {@code work} on {@code schedule}, which config may override. */
    public Builder timed(String name, Schedule schedule, TimedService work) {
      return timed(name, work, o -> o.schedule(schedule));
    }

    /**
     * Registers a timed service; {@code services.<name>} in config may set or override its schedule and options.
     */
    public Builder timed(String name, TimedService work, Consumer<TimedOptions> options) {
      Objects.requireNonNull(work, "work");
      TimedOptions o = new TimedOptions();
      options.accept(o);
      registrations.add(new Registration(name, ServiceKind.TIMED, new ServiceOptions().name(name),
          new TimedSpec(work, o), new JsonObject()));
      return this;
    }

    /** Declares a work queue (service {@code queue:<name>}); {@code queues.<name>} in config may override it. */
    public Builder queue(QueueOptions options) {
      workBuilder.queue(options);
      return this;
    }

    /** A blocking handler for work items of {@code type}, on every queue. */
    public Builder handler(String type, WorkHandler handler) {
      workBuilder.handler(type, handler);
      return this;
    }

    /** A blocking handler for work items of {@code type}, on queue {@code queue} only. */
    public Builder handler(String queue, String type, WorkHandler handler) {
      workBuilder.handler(queue, type, handler);
      return this;
    }

    /** An async handler for work items of {@code type}, on every queue. */
    public Builder asyncHandler(String type, AsyncWorkHandler handler) {
      workBuilder.asyncHandler(type, handler);
      return this;
    }

    /** An async handler for work items of {@code type}, on queue {@code queue} only. */
    public Builder asyncHandler(String queue, String type, AsyncWorkHandler handler) {
      workBuilder.asyncHandler(queue, type, handler);
      return this;
    }

    /** Runs on this Vert.x instead of creating one; the host leaves it open when it stops. */
    public Builder vertx(Vertx vertx) {
      return vertx(vertx, false);
    }

    /** Runs on this Vert.x, and closes it after the last service stopped when {@code closeOnStop}. */
    public Builder vertx(Vertx vertx, boolean closeOnStop) {
      this.vertx = Objects.requireNonNull(vertx);
      this.closeVertx = closeOnStop;
      return this;
    }

    public Builder options(HostOptions options) {
      this.options = Objects.requireNonNull(options);
      return this;
    }

    /**
     * Reads {@code services.<name>} ({@code enabled}, {@code startTimeout}, {@code exceptionPolicy}) for every
     * service at {@link #build()}; a section naming no registered service is a config error.
     */
    public Builder config(ConfigReader config) {
      this.config = Objects.requireNonNull(config);
      return this;
    }

    public Builder nodeId(String nodeId) {
      this.nodeId = Objects.requireNonNull(nodeId);
      return this;
    }

    /** Registers a hosted service named after its class. */
    public Builder service(HostedService service) {
      return service(service, o -> { });
    }

    public Builder service(String name, HostedService service) {
      return service(service, o -> o.name(name));
    }

    public Builder service(HostedService service, Consumer<ServiceOptions> options) {
      return add(ServiceKind.HOSTED, service, options);
    }

    /** Registers a background service named after its class (give lambdas a name with the other overloads). */
    public Builder background(BackgroundService service) {
      return background(service, o -> { });
    }

    public Builder background(String name, BackgroundService service) {
      return background(service, o -> o.name(name));
    }

    public Builder background(BackgroundService service, Consumer<ServiceOptions> options) {
      return add(ServiceKind.BACKGROUND, service, options);
    }

    /**
     * Adds the HTTP server (service name {@code http}) with the health routes and the admin API. The host always
     * starts it last and stops it first, whatever the order of registration; its bound address reaches the
     * lifetime once it listens.
     */
    public Builder http(HttpOptions options) {
      this.http = new Registration("http", ServiceKind.HTTP, new ServiceOptions().name("http"),
          Objects.requireNonNull(options), new JsonObject());
      return this;
    }

    /** Runs {@code action} once every service has stopped (closing singletons, flushing a store). */
    public Builder afterStop(Runnable action) {
      afterStop.add(Objects.requireNonNull(action));
      return this;
    }

    private Builder add(ServiceKind kind, Object service, Consumer<ServiceOptions> configure) {
      Objects.requireNonNull(service, "service");
      ServiceOptions o = new ServiceOptions();
      configure.accept(o);
      String name = o.name() != null ? o.name() : defaultName(service);
      registrations.add(new Registration(name, kind, o, service, new JsonObject()));
      return this;
    }

    private static String defaultName(Object service) {
      Class<?> type = service.getClass();
      if (type.isSynthetic() || type.isAnonymousClass() || type.getSimpleName().contains("$$Lambda")) {
        throw new IllegalArgumentException("a lambda or anonymous service needs a name: use the overload that takes one");
      }
      return type.getSimpleName();
    }

    /** Validates the registrations (unique names, config of each service) and builds the host. */
    public Host build() {
      List<Registration> all = new ArrayList<>(registrations);
      if (http != null) {
        all.add(http);
      }
      Set<String> names = new LinkedHashSet<>();
      for (Registration r : all) {
        if (r.name().isBlank() || !names.add(r.name())) {
          throw new IllegalArgumentException("service names must be unique and non-blank: '" + r.name()
              + "' is registered twice");
        }
      }
      List<Registration> enabled = new ArrayList<>();
      ConfigReader servicesConfig = config == null ? null : config.section("services");
      if (servicesConfig != null) {
        for (String configured : servicesConfig.names()) {
          if (!names.contains(configured)) {
            throw new ConfigException(servicesConfig.key(configured), "names no service; the services are: "
                + String.join(", ", names));
          }
        }
      }
      for (Registration r : all) {
        if (servicesConfig == null) {
          if (r.service() instanceof TimedSpec spec) {
            spec.options().readConfig(ConfigReader.of(new JsonObject()).section("services").section(r.name()));
          }
          enabled.add(r);
          continue;
        }
        ConfigReader section = servicesConfig.section(r.name());
        if (!section.bool("enabled", true)) {
          // A disabled service keeps its settings for when it is enabled again: none of them is an unknown key.
          servicesConfig.rawObject(r.name());
          log.info("Service '{}' is disabled in config ({})", r.name(), section.key("enabled"));
          continue;
        }
        if (r.service() instanceof TimedSpec spec) {
          spec.options().readConfig(section);
        }
        if (section.has("startTimeout")) {
          r.options().startTimeout(section.duration("startTimeout", null, Duration.ofMillis(1)));
        }
        if (section.has("exceptionPolicy")) {
          r.options().exceptionPolicy(section.choice("exceptionPolicy", null, ExceptionPolicy.class,
              ExceptionPolicy::label));
        }
        enabled.add(new Registration(r.name(), r.kind(), r.options(), r.service(), section.json()));
      }
      // Fire-and-forget and the queues start before the services (which may enqueue from their start) and stop
      // after them, so that producers are gone before the queues drain.
      AtomicReference<Host> self = new AtomicReference<>();
      work = workBuilder.build(config == null ? null : config.section("queues"), self::get);
      List<Registration> workServices = new ArrayList<>();
      for (Map.Entry<String, HostedService> e : work.services().entrySet()) {
        if (names.contains(e.getKey())) {
          throw new IllegalArgumentException("service name '" + e.getKey() + "' is reserved for the host's work");
        }
        ServiceKind kind = e.getKey().startsWith("queue:") ? ServiceKind.QUEUE : ServiceKind.HOSTED;
        workServices.add(new Registration(e.getKey(), kind, new ServiceOptions().name(e.getKey()), e.getValue(),
            new JsonObject()));
      }
      enabled.addAll(0, workServices);
      registrations.clear();
      registrations.addAll(enabled);
      if (registry == null) {
        registry = ServiceRegistry.builder().build();
      }
      this.http = null;
      Host host = new Host(this);
      self.set(host);
      return host;
    }
  }
}
