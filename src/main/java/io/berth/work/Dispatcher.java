package io.berth.work;

import io.berth.core.HostEvents;
import io.berth.core.HostView;
import io.berth.core.internal.Drain;
import io.berth.core.internal.Futures;
import io.berth.core.internal.Threads;
import io.berth.scope.ServiceRegistry;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One queue, run by the host as the service {@code queue:<name>} on an event-loop verticle. It wires the parts and
 * runs their lifecycle:
 * <ul>
 *   <li>{@link Admission}: the single entry point of the event-bus address and the in-process path;</li>
 *   <li>the {@link ItemStore} ({@link MemoryItemStore} today): where admitted items wait and their status is kept;</li>
 *   <li>the {@link Worker}s, which claim items from the store and own their transitions. They run on the queue's
 *   own pool ({@code berth-queue-<name>}, {@code concurrency} threads), or on virtual threads; an idle worker is
 *   woken by one task on its context, and only while it is idle; items never travel to workers as messages.</li>
 *   <li>stop: admission ends, parked requests fail with {@code stopping}, the store says what it drops (named in the
 *   log); running items get the shutdown budget, then their tokens are cancelled; the workers are undeployed, one
 *   still blocked in its item when the item returns.</li>
 * </ul>
 * The hot path takes no lock and makes no hop when there is room: an in-process enqueue admits on the caller's
 * thread, and a busy worker claims its next item without any message.
 */
final class Dispatcher implements HostedService {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final long HIGHEST_LATENCY_MICROS = TimeUnit.HOURS.toMicros(1);
  /** After a cut-short stop, how long the stop waits for the workers' undeployment (a blocked one's waits for it). */
  private static final long UNDEPLOY_AFTER_CUT_MS = 100;
  /** The reason on the tokens the stop cancels. */
  static final String SHUTDOWN = "shutdown";
  /** With a store shared by several nodes, a cancel of a running item is published here for the node running it. */
  static final String CANCEL_PREFIX = "berth.cancel.";
  /** How many ids of lost items the stop's log line names (the count is always there). */
  private static final int IDS_LOGGED = 10;

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  /**
   * A run shorter than this costs less than waking a worker for the next item (a thread hand-off): after quick
   * runs, an admission that finds a worker awake and about to look at the queue leaves the item to it.
   */
  static final long QUICK_RUN_NANOS = 50_000;
  /** How soon an item left to an awake worker is looked at again (a Vert.x timer's granularity). */
  static final long WATCH_MS = 1;

  private final QueueOptions options;
  private final Map<String, Handlers.Entry> handlers;
  private final HostView host;
  private final String address;
  private final ItemStore store;
  private final Admission admission;
  private final ConcurrentHistogram latency = new ConcurrentHistogram(HIGHEST_LATENCY_MICROS, 2);

  /** Items claimed by a worker and not ended; the stop drains to zero. */
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger idleWorkers = new AtomicInteger();
  /** Whether the last run to end was quick (shorter than {@link #QUICK_RUN_NANOS}). */
  private volatile boolean quickRuns;
  /** Per event-loop thread: a wake is queued to run after the loop's current turn. */
  private final io.netty.util.concurrent.FastThreadLocal<boolean[]> wakeAfterTurn =
      new io.netty.util.concurrent.FastThreadLocal<>() {
        @Override
        protected boolean[] initialValue() {
          return new boolean[1];
        }
      };
  /** A {@link #watch()} is pending. */
  private final java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean();
  private final List<String> workerDeployments = new CopyOnWriteArrayList<>();

  private volatile State state = State.NEW;
  /** A paused queue admits but starts nothing; its running items finish. */
  private volatile boolean paused;
  private volatile Context context;
  private volatile Promise<Void> drained;
  private Vertx vertx;
  private ServiceRegistry registry;
  private MessageConsumer<Object> consumer;
  /** With a shared store: cancels of items running here, asked by any node ({@value #CANCEL_PREFIX}{@code <queue>}). */
  private MessageConsumer<String> cancels;
  private Worker[] workers = new Worker[0];
  /** The per-item meters fed without events (a metrics module's feature), null without; set at start. */
  private WorkMeters meters;
  /** The meters' recorder of transitions made off the workers (a cancel of a waiting item); null without. */
  private volatile WorkMeters.Recorder sharedMeter;

  Dispatcher(QueueOptions options, Map<String, Handlers.Entry> handlers, HostView host, StoreBackend backend) {
    this(options, handlers, host, backend, PayloadBudget.host(0));
  }

  /** A queue whose payloads held in memory count against {@code hostBudget} ({@code work.maxBytes}) too. */
  Dispatcher(QueueOptions options, Map<String, Handlers.Entry> handlers, HostView host, StoreBackend backend,
             PayloadBudget hostBudget) {
    this.options = options;
    this.handlers = handlers;
    this.host = host;
    this.address = WorkQueues.address(options.name());
    this.store = backend == null ? new MemoryItemStore(options) : backend.itemStore(options, handlers);
    PayloadBudget budget = new PayloadBudget("queues." + options.name() + ".maxBytes", options.maxBytes(),
        hostBudget);
    store.useBudget(budget);
    this.admission = new Admission(options, store, this::admitted, budget);
  }

  String name() {
    return options.name();
  }

  QueueOptions options() {
    return options;
  }

  ItemStore store() {
    return store;
  }

  boolean accepts(String type) {
    return handlers.containsKey(type);
  }

  Set<String> types() {
    return handlers.keySet();
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public Future<Void> start(ServiceContext serviceContext) {
    vertx = serviceContext.vertx();
    context = vertx.getOrCreateContext();
    registry = host.registry();
    LocalCodec.register(vertx);
    int n = options.concurrency();
    meters = host.feature(WorkMeters.class).orElse(null);
    sharedMeter = meters == null ? null : meters.shared(name());
    workers = new Worker[n];
    for (int i = 0; i < n; i++) {
      workers[i] = new Worker(this, meters == null ? null : meters.worker(name()));
    }
    idleWorkers.set(n);
    ThreadingModel model = host.options().virtualThreads() && Threads.virtualThreadsAvailable()
        ? ThreadingModel.VIRTUAL_THREAD : ThreadingModel.WORKER;
    DeploymentOptions deployment = new DeploymentOptions().setThreadingModel(model);
    if (model == ThreadingModel.WORKER) {
      // A pool of the queue's own: slow handlers must not starve Vert.x's shared pool, which runs fired work,
      // hosted services' start and stop and other blocking calls.
      // Items may legitimately run for minutes: their timeout is the queue's, not Vert.x's blocked-thread limit.
      deployment.setWorkerPoolName("berth-queue-" + name()).setWorkerPoolSize(n)
          .setMaxWorkerExecuteTime(365).setMaxWorkerExecuteTimeUnit(TimeUnit.DAYS);
    }
    long[] kept = new long[1];
    // The workers first: a durable store hands its first claimed batch to them as soon as it opens.
    return deployWorkers(deployment)
        .compose(v -> Futures.backOn(context, store.open(context, this::wakeOne)))
        .map(count -> {
          kept[0] = count;
          paused = store.pausedAtOpen();
          if (paused) {
            log.info("Queue '{}' is paused (since the last run): it admits items and starts none until resumed",
                name());
          }
          return null;
        })
        .compose(v -> {
          consumer = vertx.eventBus().consumer(address, this::onMessage);
          if (store.shared()) {
            cancels = vertx.eventBus().consumer(CANCEL_PREFIX + name(), m -> cancelRunning(m.body()));
            return consumer.completion().compose(x -> cancels.completion());
          }
          return consumer.completion();
        }).map(v -> {
          state = State.RUNNING;
          admission.open(context, newIdPrefix(), kept[0]);
          if (kept[0] > 0) {
            wakeAll();
          }
          // As the host's stop begins, clients waiting for room get their 503 stopping at once.
          host.lifetime().stopping().onComplete(ar -> admission.refuseWaiting());
          log.info("Queue '{}' ready: capacity {}, fullMode {}, concurrency {}, types {}", name(), options.capacity(),
              options.fullMode().label(), n, types());
          return (Void) null;
        }).recover(e -> undeployWorkers().transform(x -> Future.failedFuture(e)));
  }

  /**
   * Deploys the workers from a thread outside Vert.x, so that they are not children of this queue's verticle:
   * Vert.x undeploys children before the parent's stop, which would wait for running items before the queue could
   * even stop admitting. Completes on the queue's context once every deployment ended (join: a failed start can
   * then undeploy the rest).
   */
  private Future<Void> deployWorkers(DeploymentOptions deployment) {
    Promise<Void> deployed = Promise.promise();
    Thread deployer = new Thread(() -> Future.join(Arrays.stream(workers)
            .map(w -> vertx.deployVerticle(w, new DeploymentOptions(deployment)).onSuccess(workerDeployments::add))
            .toList())
        .<Void>mapEmpty().onComplete(deployed), "berth-queue-" + name() + "-deploy");
    deployer.setDaemon(true);
    deployer.start();
    return Futures.backOn(context, deployed.future());
  }

  @Override
  public Future<Void> stop(ServiceContext serviceContext) {
    Duration budget = host.remainingShutdownTime();
    // Set before running is read (below, and by the workers' claim): see claim().
    state = State.STOPPING;
    admission.close();
    ItemStore.StopReport report = store.stop();
    List<String> notRun = report.lost();
    Promise<Void> d = Promise.promise();
    drained = d;
    if (running.get() == 0) {
      d.tryComplete();
    }
    log.info("Queue '{}' stopping: {} item(s) running, {} admitted but not started{}", name(), running.get(),
        report.kept() + notRun.size(), store.durable() ? " (kept in the store)" : "");
    Future<Void> done = Drain.thenCancel(d.future(), budget, this::cancelRunning, running::get,
        "Queue '" + name() + "': item(s)");
    return Futures.backOn(context, done).transform(ar -> {
      if (!notRun.isEmpty()) {
        // Nothing is lost silently: the count, and the first ids (a big queue would make one huge line).
        log.warn("Queue '{}' stopped with {} item(s) admitted but not run, lost: {}{}", name(), notRun.size(),
            String.join(", ", notRun.subList(0, Math.min(IDS_LOGGED, notRun.size()))),
            notRun.size() > IDS_LOGGED ? ", ..." : "");
      }
      Future<Void> undeploy = undeployWorkers();
      if (ar.failed()) {
        // A worker still blocked in its item undeploys when the item returns: do not wait for it past the budget.
        undeploy = undeploy.timeout(UNDEPLOY_AFTER_CUT_MS, TimeUnit.MILLISECONDS).recover(e -> {
          log.info("Queue '{}': its blocked worker(s) will be undeployed when their items return", name());
          return Future.succeededFuture();
        });
      }
      if (store.durable()) {
        // Not under the undeploy's bound: the store closes after the queues, so what the returned workers wrote must
        // be committed before this stop completes (on a loaded machine the flush alone can take longer than it).
        undeploy = undeploy.compose(v -> Futures.backOn(context, store.flush())).transform(left -> {
          if (left.succeeded()) {
            log.info("Queue '{}': {} item(s) left in the store for the next start", name(), left.result());
          } else {
            log.warn("Queue '{}': its last writes failed ({}); those items run again after the next start", name(),
                String.valueOf(left.cause()));
          }
          return Future.succeededFuture();
        });
      }
      return undeploy.transform(x -> consumer.unregister())
          .transform(x -> cancels == null ? Future.<Void>succeededFuture() : cancels.unregister())
          .transform(ar2 -> {
        state = State.STOPPED;
        return ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause());
      });
    });
  }

  /** Cancels the tokens of the running items; their ids, for the log. */
  private String cancelRunning() {
    List<String> cut = new ArrayList<>();
    for (Worker w : workers) {
      String id = w.cancelRunning(SHUTDOWN);
      if (id != null) {
        cut.add(id);
      }
    }
    return String.join(", ", cut);
  }

  /** Undeploys the worker verticles deployed so far (which also closes the queue's pool); never fails. */
  private Future<Void> undeployWorkers() {
    List<String> ids = new ArrayList<>(workerDeployments);
    workerDeployments.removeAll(ids);
    return Future.join(ids.stream().map(vertx::undeploy).toList()).<Void>mapEmpty().recover(e -> {
      log.warn("Queue '{}': undeploying its workers failed: {}", name(), String.valueOf(e));
      return Future.succeededFuture();
    });
  }

  // ---------------------------------------------------------------- admission

  /** The handler of {@code type}; an unknown type is refused here, at enqueue, never discovered when it would run. */
  Handlers.Entry handler(String type) {
    Handlers.Entry h = handlers.get(type);
    if (h == null) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "queue '" + name() + "' has no handler for type '" + type
          + "'; its types are: " + String.join(", ", types()), WorkItems.TYPE);
    }
    return h;
  }

  /** Enqueues an item whose handler is known, not run before {@code runAt} (epoch ms; 0: at once). */
  Future<String> submit(String type, JsonObject payload, Handlers.Entry handler, long runAt) {
    return admission.submit(type, payload, handler, runAt, null);
  }

  /** Enqueues a validated request (its type not checked yet). */
  Future<String> submit(WorkItems.Request r) {
    Handlers.Entry handler;
    try {
      handler = handler(r.type());
    } catch (WorkException e) {
      return Future.failedFuture(e);
    }
    return admission.submit(r.type(), r.payload(), handler, r.runAtMillis(System.currentTimeMillis()), r.key());
  }

  // ---------------------------------------------------------------- pause

  /** Paused here, or (with a shared store) by any node: the store's shared state, read every few seconds. */
  boolean paused() {
    Boolean shared = store.sharedPaused();
    return shared != null ? shared : paused;
  }

  /** Pauses or resumes the queue; completes once a durable store wrote it (it survives a restart). */
  Future<Void> pause(boolean pause) {
    paused = pause;
    return store.pause(pause).onSuccess(v -> {
      log.info("Queue '{}' {}", name(), pause ? "paused: it admits items and starts none" : "resumed");
      if (!pause) {
        wakeAll();
      }
    });
  }

  // ---------------------------------------------------------------- cancel

  /** The reason on the token of an item cancelled by request. */
  static final String CANCELLED = "cancelled";

  /**
   * Cancels item {@code id}: at once when it has not started (its slot freed), else by its token (it ends
   * {@code cancelled} when its handler gives up). Completes with the store's finding, empty for an unknown item.
   */
  Future<Optional<ItemStore.Cancel>> cancel(String id) {
    return store.cancel(id).onSuccess(found -> found.ifPresent(c -> {
      if (c.was() == ItemState.QUEUED || c.was() == ItemState.RETRYING) {
        admission.release();
        ItemStatus s = c.now();
        WorkMeters.Recorder meter = sharedMeter;
        if (meter != null) {
          meter.ended(s.type(), ItemState.CANCELLED, -1);
        }
        HostEvents events = host.events();
        if (events.wanted(ItemEvent.TOPIC)) {
          events.publish(new ItemEvent(name(), s.id(), s.type(), ItemState.CANCELLED, s.attempts(), s.error()));
        }
      } else if (c.was() == ItemState.RUNNING && !cancelRunning(id) && store.shared()) {
        // Running on another node of the cluster: its dispatcher cancels the token there.
        vertx.eventBus().publish(CANCEL_PREFIX + name(), id);
      }
    }));
  }

  /** Cancels the token of item {@code id} if one of this node's workers runs it; false when none does. */
  private boolean cancelRunning(String id) {
    for (Worker w : workers) {
      if (w.cancel(id, CANCELLED)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- dead letters

  Future<ItemStore.Page> list(ItemState state, String type, int limit, String cursor) {
    return store.list(state, type, limit, cursor);
  }

  Future<List<ItemStatus>> dead(int limit) {
    return store.dead(limit);
  }

  Future<Optional<ItemState>> retryDead(String id) {
    return store.revive(id).onSuccess(found -> {
      if (found.orElse(null) == ItemState.DEAD) {
        admission.adopt(1);
        wakeOne();
      }
    });
  }

  Future<Long> retryAllDead() {
    return store.reviveAll().onSuccess(n -> {
      admission.adopt(n);
      wakeAll();
    });
  }

  Future<Optional<ItemState>> deleteDead(String id) {
    return store.delete(id);
  }

  /** Admission accepted {@code item} (on the thread that admitted it). */
  private void admitted(Item item) {
    published(item, ItemState.QUEUED);   // a worker may already have claimed it: say what happened here
    if (quickRuns && !store.durable() && Context.isOnEventLoopThread()) {
      if (takenSoon()) {
        // A worker is awake and its items are quick: it takes this one within microseconds, where waking another
        // worker (a thread hand-off, 10-30 µs of CPU on each side) would cost more than the item. Should that
        // worker's item turn out slow, the watch wakes another.
        watch();
        return;
      }
      // Woken at the end of this event loop's turn, once for every item the turn admits (requests read together
      // from several connections): the worker drains them all.
      boolean[] pending = wakeAfterTurn.get();
      if (!pending[0]) {
        pending[0] = true;
        Vertx.currentContext().runOnContext(v -> {
          pending[0] = false;
          if (hasDue()) {
            wakeOne();
            watch();   // should that worker's first item be slow, the others wake within milliseconds
          }
        });
      }
      return;
    }
    wakeOne();
  }

  /** Whether an awake worker will look at the queue within {@link #QUICK_RUN_NANOS}. */
  private boolean takenSoon() {
    long now = System.nanoTime();
    for (Worker w : workers) {
      if (w.takesSoon(now, QUICK_RUN_NANOS)) {
        return true;
      }
    }
    return false;
  }

  /**
   * After admissions that woke fewer workers than items: every {@value #WATCH_MS} ms while items are due and a
   * worker is idle, wakes one unless an awake worker is about to take them, so that items never wait behind a slow
   * one while workers are idle for longer than that. At most one watch is pending per queue.
   */
  private void watch() {
    if (watching.compareAndSet(false, true)) {
      vertx.setTimer(WATCH_MS, id -> {
        watching.set(false);
        if (state == State.RUNNING && hasDue() && idleWorkers.get() > 0) {
          if (!takenSoon()) {
            wakeOne();
          }
          watch();
        }
      });
    }
  }

  private void wakeAll() {
    for (Worker w : workers) {
      w.wake();
    }
  }

  /** Whether a running item cut short by the shutdown goes back to {@code queued} (a durable store) to run again. */
  boolean keepsInterrupted() {
    return store.durable();
  }

  private void wakeOne() {
    if (idleWorkers.get() == 0) {
      return;
    }
    for (Worker w : workers) {
      if (w.wake()) {
        return;
      }
    }
  }

  private void onMessage(Message<Object> message) {
    Future<String> f;
    try {
      if (message.body() instanceof LocalWork local) {
        f = submit(local.type, null, local.handler, 0);
      } else {
        f = submit(WorkItems.parse(message.body()));
      }
    } catch (WorkException e) {
      f = Future.failedFuture(e);
    }
    if (f.isComplete()) {
      reply(message, f);
    } else {
      Future<String> pending = f;
      f.onComplete(ar -> reply(message, pending));
    }
  }

  private static void reply(Message<Object> message, Future<String> outcome) {
    if (outcome.succeeded()) {
      message.reply(outcome.result());
    } else if (outcome.cause() instanceof Duplicate d) {
      message.reply(d.id, new DeliveryOptions().addHeader(WorkQueues.CREATED_HEADER, "false"));
    } else if (outcome.cause() instanceof WorkException w) {
      message.fail(WorkException.REPLY_FAILURE_CODE, w.code() + ": " + w.getMessage());
    } else {
      message.fail(500, String.valueOf(outcome.cause()));
    }
  }

  // ---------------------------------------------------------------- for the workers

  ServiceRegistry registry() {
    return registry;
  }

  /** The queue's context: where item timeouts are armed, as a blocking item holds its worker's context. */
  Context context() {
    return context;
  }

  /** A worker went idle: admission may wake it. */
  void workerIdle() {
    idleWorkers.incrementAndGet();
  }

  /** A worker took its credit back (woken, or busy again on its own). */
  void workerBusy() {
    idleWorkers.decrementAndGet();
  }

  /** Cheap and possibly stale: whether a claim may find an item. */
  boolean hasDue() {
    return !paused() && store.hasDue();
  }

  /**
   * The next item for a worker, counted as running from here; null when none or stopping. The worker counts itself
   * as running before it reads the state, and the stop sets the state before it reads {@code running}: so either the
   * stop waits for this worker, or the worker sees the stop and takes nothing.
   */
  Item claim() {
    if (state != State.RUNNING || paused() || !store.hasDue()) {
      return null;
    }
    running.incrementAndGet();
    Item item = state == State.RUNNING ? store.claim() : null;
    if (item == null) {
      notRunning();
    }
    return item;
  }

  /**
   * A worker started {@code item} (it is {@code running}); {@code meter} is that worker's recorder (null: no
   * meters), fed directly rather than through an event.
   */
  void started(Item item, WorkMeters.Recorder meter) {
    store.started(item);
    if (meter != null && item.attempts() == 1) {
      meter.waited(item.waitedNanos());   // the wait before the first attempt; a retry's backoff is no queueing
    }
    published(item, ItemState.RUNNING);
  }

  /** A worker ended a run of {@code item}: record it, and free its slot unless it waits for a retry. */
  void finished(Item item, WorkMeters.Recorder meter) {
    ItemState ended = item.state();   // read before the store may hand a retrying item to another worker
    boolean again = ended == ItemState.RETRYING;
    if (!again && item.attempts() == 1) {
      latency.recordValue(Math.min(HIGHEST_LATENCY_MICROS, Math.max(0, item.waitedNanos() / 1000)));
    }
    if (meter != null && ended != ItemState.QUEUED) {   // queued: handed back at shutdown, its attempt not counted
      // The run's duration as the item's end recorded it: no clock read of its own, no snapshot (an ItemStatus and
      // its Instants cost the worker a quarter of its time in a profile).
      meter.ended(item.type, ended, item.ranNanos());
    }
    store.finished(item);
    published(item, ended);
    if (!again) {
      admission.release();
    }
    notRunning();
    boolean quick = item.ranNanos() < QUICK_RUN_NANOS;
    if (quickRuns != quick) {   // a volatile write only when it changes: every worker ends items here
      quickRuns = quick;
    }
    if (!quick && idleWorkers.get() > 0 && store.hasDue()) {
      // A type at its limit may have room again: an idle worker takes its waiting item, as this one goes on too.
      // (After a quick item this worker takes it itself at once: a wake would cost more than the item.)
      wakeOne();
    }
  }

  private void notRunning() {
    if (running.decrementAndGet() == 0 && state != State.RUNNING) {
      Promise<Void> d = drained;   // set by the stop before it read running: null means it saw this worker idle
      if (d != null) {
        d.tryComplete();
      }
    }
  }

  /**
   * Publishes that {@code item} reached {@code state} as an {@code item} host event, built only when a listener wants
   * it. The state is passed, not read from the item, which another thread may have moved on meanwhile: each
   * transition is published once, so listeners (metrics) count each outcome once.
   */
  private void published(Item item, ItemState state) {
    HostEvents events = host.events();
    if (events.wanted(ItemEvent.TOPIC)) {
      events.publish(ItemEvent.of(name(), item, state));
    }
  }

  // ---------------------------------------------------------------- queries

  Optional<ItemStatus> status(String id) {
    return store.status(id);
  }

  Future<Optional<ItemStatus>> find(String id) {
    return store.find(id);
  }

  java.util.Map<String, java.util.Map<String, Long>> perNode() {
    return store.perNode();
  }

  QueueStats stats() {
    return new QueueStats(name(), options.capacity(), (int) store.count(ItemState.QUEUED),
        (int) store.count(ItemState.RUNNING), (int) store.count(ItemState.RETRYING), admission.enqueued(),
        admission.rejected(), store.count(ItemState.SUCCEEDED), store.count(ItemState.FAILED),
        store.count(ItemState.DEAD), store.count(ItemState.CANCELLED), store.count(ItemState.TIMED_OUT),
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
  }

  private static String newIdPrefix() {
    // Random per queue start, so ids stay unique across nodes and restarts; a counter makes the rest cheap.
    long r = new SecureRandom().nextLong() & 0xFFFF_FFFF_FFFFL;
    StringBuilder sb = new StringBuilder(Long.toString(r, 36));
    while (sb.length() < 10) {
      sb.insert(0, '0');
    }
    return sb.append('-').toString();
  }
}
