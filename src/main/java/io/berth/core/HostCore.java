package io.berth.core;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.internal.Failures;
import io.berth.core.internal.Futures;
import io.berth.core.internal.Threads;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationSource;
import io.berth.service.CancellationToken;
import io.berth.service.ExceptionPolicy;
import io.berth.service.HostState;
import io.berth.service.HostedService;
import io.berth.service.Schedule;
import io.berth.service.ServiceContext;
import io.berth.service.TimedService;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The host core: runs an ordered list of services on Vert.x, each deployed as a verticle, and the modules (work
 * queues, the admin server, tokens, ...) that plug services, features and listeners in through {@link HostModule}.
 * One walker runs every phase the same way: start (registration order, the edge service last), the {@code started}
 * hooks, and stop (reverse order, the edge service first), one after another or, with
 * {@code servicesStartConcurrently}/{@code servicesStopConcurrently}, together within each group; every failure of
 * a phase is kept. Most applications use {@code io.berth.host.Host}, which adds queues and the HTTP server.
 */
public final class HostCore implements HostView {

  /** Event bus address of service state changes: {@code {"service": ..., "state": ..., "error": ...}}. */
  public static final String SERVICES_ADDRESS = "berth.services";

  /**
   * How far past {@code shutdownTimeout} a whole stop may run: {@value #RUNNER_SLACK_MS} ms for a service's own
   * bound to report itself before the host cuts it, at most {@value #AFTER_STOP_MIN_MS} ms to close the singletons
   * when the services used the whole timeout, and the rest for Vert.x to close.
   */
  public static final Duration STOP_MARGIN = Duration.ofMillis(300);

  static final long RUNNER_SLACK_MS = 50;
  static final long AFTER_STOP_MIN_MS = 100;
  private static final long VERTX_CLOSE_MAX_MS = STOP_MARGIN.toMillis() - AFTER_STOP_MIN_MS - RUNNER_SLACK_MS;

  private static final Logger log = LoggerFactory.getLogger(HostCore.class);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final HostOptions options;
  private final HostEvents events = new HostEvents();
  private final HostLifetime lifetime;
  private final Context orchestrator;
  private final CancellationSource shutdown = new CancellationSource();
  private final Control control = new Control();
  private final ServiceRegistry registry;
  private final List<Runnable> afterStop;
  private final Map<Class<?>, Object> features = new LinkedHashMap<>();
  private final List<ManagedService> services;

  /** Services that failed while the host ran (a crash under StopHost), with their original exceptions. */
  private final ConcurrentLinkedQueue<HostStartException> crashes = new ConcurrentLinkedQueue<>();
  private volatile boolean failed;
  private volatile long deadlineNanos;
  private Future<Void> startFuture;
  private Future<Void> stopFuture;
  /** Deployments still under way (several with servicesStartConcurrently): a stop waits for them, bounded. */
  private final Set<Future<String>> pendingStarts = new LinkedHashSet<>();
  /**
   * Undeploys of deployments whose start timed out but completed after all, while they last: the stop waits for
   * them (within its deadline) before it closes Vert.x, whose close would otherwise undeploy the same deployment a
   * second time and log "Already undeployed" with a stack trace. Changed on the orchestrator only.
   */
  private final Set<Future<Void>> lateUndeploys = new LinkedHashSet<>();
  /** Set on the orchestrator when the stop is about to close the host's own Vert.x, which undeploys what is left. */
  private boolean closingVertx;

  private HostCore(Builder b, Vertx vertx, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.options = b.options;
    this.registry = b.registry != null ? b.registry : ServiceRegistry.builder().build();
    this.lifetime = new HostLifetime(events, b.nodeId, this::requestStop, shutdown.token());
    this.orchestrator = vertx.getOrCreateContext();
    List<Runnable> closers = new ArrayList<>(b.afterStop);
    closers.add(registry::close);   // singletons live until every service has stopped
    this.afterStop = List.copyOf(closers);
    events.listen(new EventBusBridge(vertx));
    this.services = Collections.unmodifiableList(new Assembly(b).assemble());
  }

  /** A builder of a host core; {@code io.berth.host.Host.builder()} is the one most applications use. */
  public static Builder builder() {
    return new Builder();
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
  public HostOptions options() {
    return options;
  }

  @Override
  public ServiceRegistry registry() {
    return registry;
  }

  @Override
  public HostEvents events() {
    return events;
  }

  @Override
  public <T> Optional<T> feature(Class<T> type) {
    return Optional.ofNullable(type.cast(features.get(type)));
  }

  /**
   * Runs timed service {@code name} now, off its schedule. Fails with a {@link TriggerException}: the service is
   * unknown, not timed, not running, or already running and allows no (more) overlap.
   */
  @Override
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

  @Override
  public Future<Void> pause(String name, boolean paused) {
    ManagedService s = services.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    if (s == null) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.UNKNOWN_SERVICE,
          "no service is named '" + name + "'"));
    }
    if (s.kind() != ServiceKind.TIMED) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_TIMED,
          "service '" + name + "' is a " + s.kind().label() + " service, not a timed one"));
    }
    if (!(s.runner instanceof TimedRunner runner)) {
      return Future.failedFuture(new TriggerException(TriggerException.Reason.NOT_RUNNING,
          "timed service '" + name + "' is not running (state " + s.state.label() + ")"));
    }
    return runner.pause(paused);
  }

  /** The host-wide stopping token: {@link ApplicationLifetime#stoppingToken()}. */
  public CancellationToken shutdownToken() {
    return shutdown.token();
  }

  @Override
  public List<ServiceInfo> services() {
    SingletonLeases leases = feature(SingletonLeases.class).orElse(null);
    return services.stream().map(s -> s.info(leases)).toList();
  }

  /**
   * 0 while nothing failed; 1 once a service failed to start, crashed under StopHost, failed or was cut short at
   * its stop, or a cancellation callback threw.
   */
  public int exitCode() {
    return failed ? 1 : 0;
  }

  @Override
  public Duration remainingShutdownTime() {
    if (deadlineNanos == 0) {
      return options.shutdownTimeout();
    }
    return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
  }

  /**
   * Starts every service in order. Fails with {@link HostStartException} when one fails or times out (the original
   * exception is its cause; further failures are suppressed exceptions), after the services already started were
   * stopped in reverse order.
   */
  public Future<Void> start() {
    return Futures.on(orchestrator, () -> {
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
    return start().compose(v -> lifetime.stopped()).compose(v -> {
      if (!failed) {
        return Future.succeededFuture();
      }
      HostStartException crash = crashes.peek();
      return Future.failedFuture(new IllegalStateException(crash != null
          ? "the host stopped because service '" + crash.service() + "' failed"
          : "the host stopped with a failed service; see the log", crash == null ? null : crash.getCause()));
    });
  }

  /**
   * For a {@code main} method: stops the host gracefully on SIGTERM and SIGINT (Ctrl+C), and on a JVM shutdown that
   * did not come through them; then starts it and blocks until it has stopped. Returns the exit code to end the
   * process with: 0, or 1 when a service failed (see {@link #exitCode()}).
   */
  public int runUntilSignalled() throws InterruptedException {
    handleSignals();
    try {
      start().toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      // logged by the start; the stop that follows a failed start is awaited below
    }
    try {
      lifetime.stopped().toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      return 1;
    }
    return exitCode();
  }

  /**
   * Handles SIGTERM and SIGINT as a graceful stop (so the process exits with the host's own code, not 143), and
   * adds a JVM shutdown hook that stops the host within the shutdown timeout for any other JVM exit.
   */
  public HostCore handleSignals() {
    Signals.onTermination(lifetime::stopApplication);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopFromHook, "berth-shutdown-hook"));
    return this;
  }

  private void stopFromHook() {
    if (lifetime.stopped().isComplete()) {
      return;
    }
    lifetime.stopApplication();
    try {
      lifetime.stopped().toCompletionStage().toCompletableFuture()
          .get(options.shutdownTimeout().plus(STOP_MARGIN).toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      System.err.println("berth: shutdown did not complete in time");
    }
  }

  // ---------------------------------------------------------------- the walker

  /**
   * Runs {@code step} for every service of each group, group after group: one service after another, or the whole
   * group together when {@code concurrent}. Every failure is kept; with {@code untilFirstFailure} no further step
   * starts once one failed. Steps run on the orchestrator.
   */
  private Future<List<Throwable>> walk(List<List<ManagedService>> groups, boolean concurrent,
                                       boolean untilFirstFailure, Function<ManagedService, Future<Void>> step) {
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    Function<ManagedService, Future<Void>> guarded = s -> {
      if (untilFirstFailure && !failures.isEmpty()) {
        return Future.succeededFuture();
      }
      Future<Void> f;
      try {
        f = step.apply(s);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      return Futures.backOn(orchestrator, f).recover(e -> {
        failures.add(e);
        return Future.succeededFuture();
      });
    };
    Future<Void> chain = Future.succeededFuture();
    for (List<ManagedService> group : groups) {
      chain = chain.compose(v -> {
        if (concurrent && group.size() > 1) {
          return Future.join(group.stream().map(guarded).toList()).mapEmpty();
        }
        Future<Void> inGroup = Future.succeededFuture();
        for (ManagedService s : group) {
          inGroup = inGroup.compose(x -> guarded.apply(s));
        }
        return inGroup;
      });
    }
    return chain.map(v -> List.copyOf(failures));
  }

  /** The services in start order, split once: everything else first, then the edge (HTTP) service. */
  private List<List<ManagedService>> startGroups() {
    return List.of(services.stream().filter(s -> !s.edge()).toList(),
        services.stream().filter(ManagedService::edge).toList());
  }

  /** The deployed services in stop order: the edge service first, then the others in reverse. */
  private List<List<ManagedService>> stopGroups() {
    List<ManagedService> reverse = new ArrayList<>(services);
    Collections.reverse(reverse);
    // Singletons are in the stop whether they run here or wait in standby: their lease is given up.
    List<ManagedService> deployed = reverse.stream().filter(s -> s.deploymentId != null || s.singleton()).toList();
    return List.of(deployed.stream().filter(ManagedService::edge).toList(),
        deployed.stream().filter(s -> !s.edge()).toList());
  }

  // ---------------------------------------------------------------- start

  private Future<Void> doStart() {
    long t0 = System.nanoTime();
    lifetime.starting();
    log.info("Host starting {} service(s): {}", services.size(),
        String.join(", ", services.stream().map(ManagedService::name).toList()));
    boolean concurrent = options.servicesStartConcurrently();
    return walk(startGroups(), concurrent, true, this::startOne)
        .compose(failures -> failures.isEmpty()
            ? walk(List.of(services), concurrent, true, this::startedHook)
            : Future.succeededFuture(failures))
        .compose(failures -> {
          if (!failures.isEmpty()) {
            return Future.failedFuture(HostStartException.of(failures));
          }
          if (stopFuture != null) {
            return Future.failedFuture(stoppedWhileStarting());
          }
          lifetime.markStarted();
          log.info("Host started in {}ms", elapsedMs(t0));
          return Future.<Void>succeededFuture();
        })
        .recover(this::startFailed);
  }

  private Future<Void> startOne(ManagedService s) {
    if (stopFuture != null) {
      return Future.failedFuture(stoppedWhileStarting());
    }
    if (s.singleton()) {
      return standby(s);
    }
    return deploy(s);
  }

  /** Deploys one service and waits for its start, bounded by its start timeout. */
  private Future<Void> deploy(ManagedService s) {
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
          events.publish(new ServiceEvent(s.name(), ServiceState.RUNNING, null));
        }
        log.info("Service '{}' ({}) started in {}ms", s.name(), s.kind().label(), elapsedMs(t0));
        return Future.<Void>succeededFuture();
      }
      Throwable cause = ar.cause();
      String why;
      if (Failures.isTimeout(cause)) {
        cancel(s.cancellation, "start-timeout", s.name());
        runner.interrupt();
        // The deployment may still complete later: undeploy it then, so nothing keeps running unseen.
        deploy.onSuccess(this::undeployLate);
        why = "did not start within " + timeout.toMillis() + "ms (startTimeout). A start must finish its setup and"
            + " return; long-running work belongs in a BackgroundService, whose execute runs off the startup path";
      } else {
        why = "failed to start: " + Failures.message(cause);
      }
      serviceState(s, ServiceState.FAILED, why);
      return Future.failedFuture(new HostStartException(s.name(), "Service '" + s.name() + "' " + why, cause));
    });
  }

  // ---------------------------------------------------------------- singletons

  /**
   * A singleton's place in the start: it waits in {@code standby} and contends for its lease, and the start goes on
   * without it; it starts on this node when the lease comes ({@link #activate}), which may be at once.
   */
  private Future<Void> standby(ManagedService s) {
    SingletonLeases leases = feature(SingletonLeases.class).orElseThrow();
    serviceState(s, ServiceState.STANDBY, null);
    log.info("Service '{}' is a singleton: standby until this node holds its lease", s.name());
    s.lease = leases.contend(s.name(), new SingletonLeases.Holder() {
      @Override
      public void acquired(long fence) {
        onOrchestrator(() -> activate(s, fence));
      }

      @Override
      public void lost(String reason) {
        onOrchestrator(() -> deactivate(s, reason));
      }
    });
    return Future.succeededFuture();
  }

  private void onOrchestrator(Runnable action) {
    try {
      orchestrator.runOnContext(v -> action.run());
    } catch (RejectedExecutionException e) {
      // Vert.x is closed: the host has stopped and the lease was given up.
    }
  }

  /** This node got the lease of singleton {@code s}: start it (once any earlier stop of it on this node ended). */
  private void activate(ManagedService s, long fence) {
    if (stopFuture != null || s.lease == null || s.leaving != null || s.deploymentId != null
        || s.state == ServiceState.STARTING || s.state == ServiceState.FAILED) {
      // Stopping: the stop gives the lease up. Leaving: started again once the old instance stopped.
      return;
    }
    s.fence = fence;
    s.cancellation = new CancellationSource();
    log.info("Service '{}' got its singleton lease (fence {}): starting it on this node", s.name(), fence);
    Future<Void> started = deploy(s);
    started.onComplete(ar -> {
      if (ar.failed()) {
        // Its state is failed now, which gives the lease up (serviceState): another node may run it.
        s.fence = 0;
        log.error("Singleton '{}' failed to start on this node: {}", s.name(), Failures.message(ar.cause()));
        return;
      }
      if (stopFuture != null) {
        return;   // the stop undeploys it
      }
      if (s.fence != fence) {
        leave(s, "the lease was lost while the service started");
        return;
      }
      lifetime.started().onSuccess(v -> {
        if (s.deploymentId != null && s.fence == fence) {
          startedHook(s).onFailure(e -> log.error("Singleton '{}': {}", s.name(), Failures.message(e)));
        }
      });
    });
  }

  /** This node lost the lease of {@code s}: stop it at once (a deployment still starting stops when it started). */
  private void deactivate(ManagedService s, String reason) {
    s.fence = 0;
    if (stopFuture != null || s.deploymentId == null || s.leaving != null) {
      return;
    }
    leave(s, reason);
  }

  /** Stops a singleton that lost its lease and puts it back in standby; starts it again if the lease came back. */
  private void leave(ManagedService s, String reason) {
    log.warn("Service '{}' lost its singleton lease ({}): stopping it on this node; standby", s.name(), reason);
    long t0 = System.nanoTime();
    cancel(s.cancellation, "lease-lost", "service '" + s.name() + "'");
    String id = s.deploymentId;
    s.deploymentId = null;
    serviceState(s, ServiceState.STOPPING, null);
    // Set before the undeploy can complete: a stop or a new lease that comes meanwhile waits for this one.
    Promise<Void> left = Promise.promise();
    s.leaving = left.future();
    Futures.backOn(orchestrator, vertx.undeploy(id)
        .timeout(options.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .onComplete(ar -> {
          s.leaving = null;
          if (ar.failed()) {
            log.warn("Singleton '{}' did not stop cleanly after it lost its lease: {}", s.name(),
                Failures.describe(ar.cause()));
          } else {
            log.info("Singleton '{}' stopped on this node in {}ms after it lost its lease", s.name(), elapsedMs(t0));
          }
          if (stopFuture == null) {
            serviceState(s, ServiceState.STANDBY, null);
            feature(SingletonLeases.class).flatMap(l -> {
              java.util.OptionalLong f = l.fence(s.name());
              return f.isPresent() ? Optional.of(f.getAsLong()) : Optional.empty();
            }).ifPresent(f -> activate(s, f));
          }
          left.complete();
        });
  }

  /** Stops contending for the lease of {@code s} and gives it up, bounded by what is left of the deadline. */
  private Future<Void> closeLease(ManagedService s) {
    s.fence = 0;
    SingletonLeases.Contention c = s.lease;
    s.lease = null;
    if (c == null) {
      return Future.succeededFuture();
    }
    long bound = Math.max(AFTER_STOP_MIN_MS, remainingShutdownTime().toMillis());
    return Futures.backOn(orchestrator, c.close().timeout(bound, TimeUnit.MILLISECONDS)).recover(e -> {
      log.warn("Singleton '{}': giving its lease up failed ({}); it expires by itself", s.name(),
          Failures.message(e));
      return Future.succeededFuture();
    });
  }

  private Future<Void> startedHook(ManagedService s) {
    if (s.singleton() && s.deploymentId == null) {
      return Future.succeededFuture();   // runs when this node gets the lease
    }
    return s.verticle.started()
        .timeout(s.startTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .recover(e -> {
          String why = Failures.isTimeout(e)
              ? "started hook did not complete within " + s.startTimeout().toMillis() + "ms (startTimeout)"
              : "started hook failed: " + Failures.message(e);
          serviceState(s, ServiceState.FAILED, why);
          return Future.failedFuture(new HostStartException(s.name(), "Service '" + s.name() + "' " + why, e));
        });
  }

  /** The failure of a start that a stop interrupted: the services' crashes when there were any. */
  private HostStartException stoppedWhileStarting() {
    if (!crashes.isEmpty()) {
      return HostStartException.of(new ArrayList<>(crashes));
    }
    return new HostStartException(null, "the host was stopped while starting", null);
  }

  private Future<Void> startFailed(Throwable e) {
    boolean stopRequested = stopFuture != null;
    if (!stopRequested || !crashes.isEmpty()) {
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
    // The order users rely on: stopping fires, then the host-wide token, then each service's token at its turn.
    lifetime.markStopping();
    cancel(shutdown, "shutdown", "the host's stopping token");
    List<String> cutShort = Collections.synchronizedList(new ArrayList<>());
    // A service may still be in the middle of its start: wait for it, but never past the deadline.
    stopFuture = settle(pendingStarts)
        .compose(v -> walk(stopGroups(), options.servicesStopConcurrently(), false, s -> stopOne(s, cutShort)))
        .compose(v -> runAfterStop(cutShort))
        .compose(v -> {
          closingVertx = ownsVertx;
          return settle(lateUndeploys);
        })
        .compose(v -> {
          lifetime.publishStopped();
          if (cutShort.isEmpty()) {
            log.info("Host stopped in {}ms", elapsedMs(t0));
          } else {
            log.warn("Host stopped in {}ms; cut short: {}", elapsedMs(t0), String.join("; ", cutShort));
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
   * Undeploys {@code id}, a deployment whose start completed after its timeout, so that nothing keeps running unseen;
   * on the orchestrator. Left to Vert.x's close once the stop is closing the host's own Vert.x.
   */
  private void undeployLate(String id) {
    if (closingVertx) {
      return;
    }
    Future<Void> gone = vertx.undeploy(id).recover(e -> Future.succeededFuture());
    lateUndeploys.add(gone);
    gone.onComplete(x -> lateUndeploys.remove(gone));
  }

  /** Completes when every one of {@code futures} ended, or when the stop's deadline came first; never fails. */
  private Future<Void> settle(Set<? extends Future<?>> futures) {
    if (futures.isEmpty()) {
      return Future.succeededFuture();
    }
    return Future.join(new ArrayList<>(futures)).<Void>transform(ar -> Future.succeededFuture())
        .timeout(Math.max(1, remainingShutdownTime().toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.succeededFuture());
  }

  /**
   * Closes Vert.x from a thread of its own (a close started on an event loop would report its completion on that
   * same, by then terminated, loop); the stop completes when it closed or after what is left of the deadline plus
   * the rest of the stop margin.
   */
  private void closeVertx() {
    // What the services left of the deadline is Vert.x's too (a clustered Vert.x leaves the cluster as it closes).
    long bound = VERTX_CLOSE_MAX_MS + Math.max(0, remainingShutdownTime().toMillis());
    Threads.start("berth-close", false, () -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(bound, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        log.info("Vert.x is still closing {}ms after the last service stopped; the host has stopped", bound);
      } catch (java.util.concurrent.ExecutionException e) {
        log.warn("Closing Vert.x failed: {}", Failures.describe(e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      lifetime.completeStopped();
    });
  }

  /** Stops one service; never fails, so that every service is asked to stop. */
  private Future<Void> stopOne(ManagedService s, List<String> cutShort) {
    if (!s.singleton()) {
      return undeploy(s, cutShort);
    }
    // A singleton stops before its lease is given up: another node must not start it while it still runs here.
    Future<Void> leaving = s.leaving != null ? s.leaving : Future.succeededFuture();
    return leaving.compose(v -> {
      if (s.deploymentId != null) {
        return undeploy(s, cutShort);
      }
      if (s.state != ServiceState.FAILED) {
        serviceState(s, ServiceState.STOPPED, null);
      }
      return Future.<Void>succeededFuture();
    }).compose(v -> closeLease(s));
  }

  private Future<Void> undeploy(ManagedService s, List<String> cutShort) {
    long t0 = System.nanoTime();
    boolean wasFailed = s.state == ServiceState.FAILED;
    if (!wasFailed) {
      serviceState(s, ServiceState.STOPPING, null);
    }
    cancel(s.cancellation, "shutdown", "service '" + s.name() + "'");
    long left = remainingShutdownTime().toMillis();
    long total = options.shutdownTimeout().toMillis();
    String share = left <= 0 ? "none of the " + total + "ms was left when its turn came"
        : left + "ms left of " + total + "ms";
    // The runner bounds its own stop by what is left (and says what it cut); this bound, a little later, catches a
    // stop that blocks its thread before returning a future.
    return vertx.undeploy(s.deploymentId)
        .timeout(Math.max(0, left) + RUNNER_SLACK_MS, TimeUnit.MILLISECONDS)
        .onFailure(e -> {
          if (Failures.isTimeout(e)) {
            s.runner.interrupt();
          }
        })
        .transform(ar -> {
          s.deploymentId = null;
          if (ar.succeeded()) {
            if (!wasFailed && s.state != ServiceState.FAILED) {
              serviceState(s, ServiceState.STOPPED, null);
            }
            log.info("Service '{}' stopped in {}ms", s.name(), elapsedMs(t0));
            return Future.<Void>succeededFuture();
          }
          failed = true;
          Throwable e = ar.cause();
          if (e instanceof io.berth.core.internal.StopTimeoutException || Failures.isTimeout(e)) {
            String what = Failures.isTimeout(e) ? "its stop did not return" : e.getMessage();
            cutShort.add(s.name() + " (" + what + "; " + share + ")");
            log.warn("Service '{}' did not stop within its share of the shutdown timeout ({}) and was cut short: {}",
                s.name(), share, what);
            serviceState(s, ServiceState.FAILED, "cut short at shutdown: " + what + " (" + share + ")");
          } else {
            log.error("Service '{}' failed to stop: {}", s.name(), Failures.describe(e), e);
            serviceState(s, ServiceState.FAILED, "failed to stop: " + Failures.describe(e));
          }
          return Future.<Void>succeededFuture();
        });
  }

  /**
   * Cancels {@code source}: every callback runs; one that throws is logged, named, and makes the exit code 1,
   * and never aborts the stop (the .NET host's {@code StopAsyncThrowsIfCancellationCallbackThrows}).
   */
  private void cancel(CancellationSource source, String reason, String whose) {
    try {
      source.cancel(reason);
    } catch (RuntimeException e) {
      failed = true;
      log.error("A cancellation callback of {} threw: {}", whose, Failures.describe(e), e);
    }
  }

  /**
   * Closes what lives until every service has stopped (singletons), bounded by what is left of the deadline, or
   * {@value #AFTER_STOP_MIN_MS} ms when the services used it all.
   */
  private Future<Void> runAfterStop(List<String> cutShort) {
    Promise<Void> done = Promise.promise();
    Threads.start("berth-after-stop", false, () -> {
      for (Runnable r : afterStop) {
        try {
          r.run();
        } catch (Throwable e) {
          failed = true;
          log.error("Closing after stop failed: {}", Failures.describe(e), e);
        }
      }
      done.tryComplete();
    });
    long bound = Math.max(AFTER_STOP_MIN_MS, remainingShutdownTime().toMillis());
    return Futures.backOn(orchestrator, done.future()
        .timeout(bound, TimeUnit.MILLISECONDS)
        .recover(e -> {
          failed = true;
          cutShort.add("after-stop actions and singletons (still closing " + bound + "ms after the last service)");
          log.warn("Closing singletons after stop did not finish within the shutdown timeout ({}ms); cut short", bound);
          return Future.succeededFuture();
        }));
  }

  // ---------------------------------------------------------------- helpers

  void serviceState(ManagedService s, ServiceState state, String error) {
    s.set(state, error);
    events.publish(new ServiceEvent(s.name(), state, error));
    if (state == ServiceState.FAILED && s.singleton() && s.lease != null && stopFuture == null) {
      // A singleton that failed here (exceptionPolicy Ignore) must not keep its lease: another node may run it.
      onOrchestrator(() -> {
        if (stopFuture == null && s.lease != null) {
          log.warn("Singleton '{}' failed on this node; it gives its lease up so that another node may run it",
              s.name());
          closeLease(s);
        }
      });
    }
  }

  private static long elapsedMs(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private final class Control implements HostControl {
    @Override
    public void serviceState(ManagedService service, ServiceState state, String error) {
      HostCore.this.serviceState(service, state, error);
    }

    @Override
    public void failAndStop(String service, Throwable cause) {
      failed = true;
      crashes.add(new HostStartException(service, "Service '" + service + "' failed: " + Failures.describe(cause),
          cause));
      requestStop();
    }
  }

  /** What a service sees of the host. */
  private final class Ctx implements ServiceContext {
    private final ManagedService service;

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
    public ServiceRegistry registry() {
      return registry;
    }

    @Override
    public <T> Optional<T> feature(Class<T> type) {
      return HostCore.this.feature(type);
    }

    @Override
    public JsonObject config() {
      return service.config();
    }

    @Override
    public ConfigReader settings() {
      return service.settings();
    }

    @Override
    public CancellationToken cancellation() {
      return service.cancellation.token();
    }

    @Override
    public Duration remainingStopTime() {
      return remainingShutdownTime();
    }
  }

  // ---------------------------------------------------------------- assembly

  /** A registration waiting for its host: an application service, or a module's. */
  private record Registration(String name, ServiceKind kind, ServiceOptions options, Object service,
                              Supplier<SocketAddress> edgeAddress) {
  }

  private record TimedSpec(TimedService work, TimedOptions options) {
  }

  /** Turns the builder's registrations and modules into the ordered services, reading {@code services.<name>}. */
  private final class Assembly {
    private final Builder b;
    private final ConfigReader config;
    private final List<Registration> first = new ArrayList<>();
    private final List<Registration> inOrder = new ArrayList<>();
    private Registration edge;
    /** Modules' services that are singletons when the host has leases ({@link ModuleContext#service}). */
    private final Set<String> singletonsInCluster = new HashSet<>();

    Assembly(Builder b) {
      this.b = b;
      this.config = b.config != null ? b.config : ConfigReader.of(new JsonObject());
    }

    List<ManagedService> assemble() {
      for (Object entry : b.entries) {
        if (entry instanceof HostModule module) {
          module.register(new Modules(module));
        } else {
          inOrder.add((Registration) entry);
        }
      }
      List<Registration> all = new ArrayList<>(first);
      all.addAll(inOrder);
      if (edge != null) {
        all.add(edge);
      }
      Set<String> names = new LinkedHashSet<>();
      for (Registration r : all) {
        if (r.name().isBlank() || !names.add(r.name())) {
          throw new IllegalArgumentException("service names must be unique and non-blank: '" + r.name()
              + "' is registered twice");
        }
      }
      ConfigReader servicesConfig = b.config == null ? null : config.section("services");
      if (servicesConfig != null) {
        for (String configured : servicesConfig.names()) {
          if (!names.contains(configured)) {
            throw new ConfigException(servicesConfig.key(configured), "names no service; the services are: "
                + String.join(", ", names));
          }
        }
      }
      ConfigReader empty = ConfigReader.of(new JsonObject()).section("services");
      List<ManagedService> managed = new ArrayList<>();
      for (Registration r : all) {
        ConfigReader section = (servicesConfig == null ? empty : servicesConfig).section(r.name());
        section.declare(r.options().configKeys().toArray(String[]::new));
        section.declare("singleton");
        if (servicesConfig != null && !section.bool("enabled", true)) {
          // A disabled service keeps its settings for when it is enabled again: none of them is an unknown key.
          servicesConfig.rawObject(r.name());
          log.info("Service '{}' is disabled in config ({})", r.name(), section.key("enabled"));
          continue;
        }
        if (r.service() instanceof TimedSpec spec) {
          spec.options().readConfig(section);
        }
        if (servicesConfig != null) {
          if (section.has("startTimeout")) {
            r.options().startTimeout(section.duration("startTimeout", null, Duration.ofMillis(1)));
          }
          if (section.has("exceptionPolicy")) {
            r.options().exceptionPolicy(section.choice("exceptionPolicy", null, ExceptionPolicy.class,
                ExceptionPolicy::label));
          }
        }
        managed.add(toManaged(r, section, singleton(r, section)));
      }
      return managed;
    }

    /**
     * Whether {@code r} runs on one node of the cluster at a time: {@code services.<name>.singleton}, else its
     * options, else true for a timed service when the host has singleton leases (a cluster with a shared store).
     */
    private boolean singleton(Registration r, ConfigReader section) {
      SingletonLeases leases = (SingletonLeases) features.get(SingletonLeases.class);
      Boolean wanted = r.options().singleton();
      if (section.has("singleton")) {
        wanted = section.bool("singleton", false);
      }
      if (r.edgeAddress() != null) {
        return false;
      }
      boolean singleton = wanted != null ? wanted
          : (r.kind() == ServiceKind.TIMED || singletonsInCluster.contains(r.name())) && leases != null;
      if (singleton && leases == null) {
        throw new ConfigException(section.key("singleton"), "needs the cluster with the PostgreSQL store"
            + " (cluster.enabled: true and store.type: postgres): a singleton's lease lives in the shared store");
      }
      return singleton;
    }

    private ManagedService toManaged(Registration r, ConfigReader section, boolean singleton) {
      Duration startTimeout = r.options().startTimeout() != null ? r.options().startTimeout() : options.startTimeout();
      ExceptionPolicy policy = r.options().exceptionPolicy() != null ? r.options().exceptionPolicy()
          : options.exceptionPolicy();
      RestartPolicy restart = r.options().restartPolicy() != null ? r.options().restartPolicy()
          : options.restartPolicy();
      return new ManagedService(r.name(), r.kind(), r.edgeAddress() != null, startTimeout, section, singleton,
          managed -> {
        Ctx ctx = new Ctx(managed);
        return switch (r.kind()) {
          case BACKGROUND -> new BackgroundRunner((BackgroundService) r.service(), ctx, managed, control, policy,
              restart, options.virtualThreads());
          case TIMED -> {
            TimedSpec spec = (TimedSpec) r.service();
            TimedRunner runner = new TimedRunner(spec.work(), spec.options(), ctx, registry,
                options.virtualThreads(), Clock.system(), events);
            if (singleton) {
              String name = r.name();
              runner.runOnlyWhile(() -> {
                SingletonLeases leases = (SingletonLeases) features.get(SingletonLeases.class);
                return leases == null || leases.fence(name).isPresent();
              });
            }
            yield runner;
          }
          default -> r.edgeAddress() != null
              ? new EdgeRunner(new HostedRunner((HostedService) r.service(), ctx), r.edgeAddress(), lifetime)
              : new HostedRunner((HostedService) r.service(), ctx);
        };
      });
    }

    /** What one module may do while the host is assembled. */
    private final class Modules implements ModuleContext {
      private final HostModule module;

      Modules(HostModule module) {
        this.module = module;
      }

      @Override
      public ConfigReader config() {
        return config;
      }

      @Override
      public HostOptions options() {
        return options;
      }

      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public ServiceRegistry registry() {
        return registry;
      }

      @Override
      public void service(String name, ServiceKind kind, Placement placement, HostedService service,
                          Duration startTimeout) {
        service(name, kind, placement, service, startTimeout, false);
      }

      @Override
      public void service(String name, ServiceKind kind, Placement placement, HostedService service,
                          Duration startTimeout, boolean singletonInCluster) {
        ServiceOptions o = new ServiceOptions().name(name);
        if (startTimeout != null) {
          o.startTimeout(startTimeout);
        }
        Registration r = new Registration(name, kind, o, Objects.requireNonNull(service), null);
        (placement == Placement.FIRST ? first : inOrder).add(r);
        if (singletonInCluster) {
          // Decided in singleton(...), once every module registered: the cluster module may come after this one.
          singletonsInCluster.add(name);
        }
      }

      @Override
      public void edge(String name, HostedService service, Supplier<SocketAddress> boundAddress) {
        if (edge != null) {
          throw new IllegalStateException("the host already has an edge service ('" + edge.name() + "'); module "
              + module.getClass().getSimpleName() + " cannot add '" + name + "'");
        }
        edge = new Registration(name, ServiceKind.HTTP, new ServiceOptions().name(name), Objects.requireNonNull(service),
            Objects.requireNonNull(boundAddress));
      }

      @Override
      public <T> void provide(Class<T> type, T feature) {
        if (features.putIfAbsent(type, Objects.requireNonNull(feature)) != null) {
          throw new IllegalStateException("feature " + type.getName() + " is provided twice");
        }
      }

      @Override
      public void listen(HostListener listener) {
        events.listen(listener);
      }

      @Override
      public HostView host() {
        return HostCore.this;
      }
    }
  }

  // ---------------------------------------------------------------- builder

  /** Registers services and modules in start order and builds the {@link HostCore}. */
  public static final class Builder {

    private Vertx vertx;
    private boolean closeVertx = true;
    private HostOptions options = new HostOptions();
    private ConfigReader config;
    private String nodeId = UUID.randomUUID().toString();
    /** Registrations and modules, in registration order. */
    private final List<Object> entries = new ArrayList<>();
    private final List<Runnable> afterStop = new ArrayList<>();
    private ServiceRegistry registry;

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
      entries.add(new Registration(name, ServiceKind.TIMED, new ServiceOptions().name(name), new TimedSpec(work, o),
          null));
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
     * Reads {@code services.<name>} ({@code enabled}, {@code startTimeout}, {@code exceptionPolicy}, a timed
     * service's schedule, and the keys a service declares with {@link ServiceOptions#configKeys}) for every service
     * at {@link #build()}, and hands it to modules; a section naming no registered service is a config error.
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
     * Adds a module; its in-order services take this place in the start order, its first services start before
     * every application service.
     */
    public Builder module(HostModule module) {
      entries.add(Objects.requireNonNull(module, "module"));
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
      entries.add(new Registration(name, kind, o, service, null));
      return this;
    }

    private static String defaultName(Object service) {
      Class<?> type = service.getClass();
      if (type.isSynthetic() || type.isAnonymousClass() || type.getSimpleName().contains("$$Lambda")) {
        throw new IllegalArgumentException("a lambda or anonymous service needs a name: use the overload that takes one");
      }
      return type.getSimpleName();
    }

    /** Registers the modules, validates the services (unique names, config of each) and builds the host. */
    public HostCore build() {
      boolean owns = vertx == null || closeVertx;
      Vertx v = vertx != null ? vertx : Vertx.vertx(new VertxOptions()
          .setMaxWorkerExecuteTime(Math.max(60, options.startTimeout().toSeconds() * 2))
          .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS));
      try {
        return new HostCore(this, v, owns);
      } catch (RuntimeException e) {
        if (vertx == null) {
          v.close();
        }
        throw e;
      }
    }
  }
}
