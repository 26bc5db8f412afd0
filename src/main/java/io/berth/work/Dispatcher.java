package io.berth.work;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Threads;
import io.berth.core.HostView;
import io.berth.scope.ServiceRegistry;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.ConcurrentHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The engine of one queue, run by the host as a service on an event-loop verticle.
 * <ul>
 *   <li><b>admission</b> ({@link #submit}): the single entry point of the event-bus address and the in-process
 *   path. It reserves a slot of {@code capacity} (queued plus running) with a CAS, assigns the id and puts the item
 *   in the channel; when the queue is full it refuses ({@code reject}) or parks the request on the queue's context
 *   ({@code wait}), where parked requests are admitted in FIFO order as slots free. A durable store goes here: an
 *   item is admitted once it is stored.</li>
 *   <li><b>the channel</b>: a lock-free FIFO of admitted items, bounded by the reservation above.</li>
 *   <li><b>dispatch</b>: the worker verticles pull from the channel; an idle worker is woken by one task on its
 *   context and only while it is idle (its credit); items never travel to workers as messages. The workers run on
 *   the queue's own pool ({@code berth-queue-<name>}, {@code concurrency} threads), or on virtual threads.</li>
 *   <li><b>stop</b>: admission ends, parked requests fail with {@code stopping}, queued items are named in the log;
 *   running items get the shutdown budget, then their tokens are cancelled. The workers are always undeployed; one
 *   still blocked in its item is undeployed when the item returns.</li>
 * </ul>
 * The hot path takes no lock and makes no hop when there is room: an in-process enqueue admits on the caller's
 * thread, and a busy worker takes its next item without any message.
 */
final class Dispatcher implements HostedService {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final long HIGHEST_LATENCY_MICROS = TimeUnit.HOURS.toMicros(1);
  /** After a cut-short stop, how long the stop waits for the workers' undeployment (a blocked one's waits for it). */
  private static final long UNDEPLOY_AFTER_CUT_MS = 100;

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final QueueOptions options;
  private final Map<String, Handlers.Entry> handlers;
  private final Supplier<HostView> host;
  private final String address;
  private final StatusStore statuses;
  private final ConcurrentHistogram latency = new ConcurrentHistogram(HIGHEST_LATENCY_MICROS, 2);

  private final ConcurrentLinkedQueue<Item> channel = new ConcurrentLinkedQueue<>();
  /** Items admitted and not finished (in the channel or running): at most {@code capacity}. */
  private final AtomicInteger admitted = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  /** Requests parked, or on their way to be parked: while any, new requests queue up behind them (FIFO). */
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicInteger idleWorkers = new AtomicInteger();
  /** Parked requests on their way to the queue's context, moved there in batches by one task at a time. */
  private final ConcurrentLinkedQueue<Waiter> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean housekeeping = new AtomicBoolean();
  private final AtomicLong ids = new AtomicLong();
  private final ItemEvents itemEvents;
  private final LongAdder enqueued = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder timedOut = new LongAdder();

  private volatile State state = State.NEW;
  private volatile Context context;
  private Vertx vertx;
  private ServiceRegistry registry;
  private String idPrefix;
  private MessageConsumer<Object> consumer;
  private final List<String> workerDeployments = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Worker[] workers = new Worker[0];

  // Owned by the queue's context.
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long waiterTimer = -1;
  private Promise<Void> drained;

  private record Waiter(Item item, Promise<String> reply, long deadline) {
  }

  Dispatcher(QueueOptions options, Map<String, Handlers.Entry> handlers, Supplier<HostView> host, ItemEvents itemEvents) {
    this.itemEvents = itemEvents;
    this.options = options;
    this.handlers = handlers;
    this.host = host;
    this.address = WorkQueues.address(options.name());
    this.statuses = new StatusStore(options.statusRetention(), options.capacity());
  }

  String name() {
    return options.name();
  }

  QueueOptions options() {
    return options;
  }

  ServiceRegistry registry() {
    return registry;
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
    registry = host.get().registry();
    LocalCodec.register(vertx);
    idPrefix = newIdPrefix();
    int n = options.concurrency();
    workers = new Worker[n];
    for (int i = 0; i < n; i++) {
      workers[i] = new Worker(this);
    }
    idleWorkers.set(n);
    // Deployed from a context of their own, not as children of this verticle: Vert.x undeploys children before the
    // parent's stop, which would wait for running items before the queue could even stop admitting.
    Promise<Void> deployed = Promise.promise();
    ThreadingModel model = host.get().options().virtualThreads() && Threads.virtualThreadsAvailable()
        ? ThreadingModel.VIRTUAL_THREAD : ThreadingModel.WORKER;
    DeploymentOptions deployment = new DeploymentOptions().setThreadingModel(model);
    if (model == ThreadingModel.WORKER) {
      // A pool of the queue's own: slow handlers must not starve Vert.x's shared pool, which runs fired work,
      // hosted services' start and stop and other blocking calls.
      // Items may legitimately run for minutes: their timeout is the queue's, not Vert.x's blocked-thread limit.
      deployment.setWorkerPoolName("berth-queue-" + name()).setWorkerPoolSize(n)
          .setMaxWorkerExecuteTime(365).setMaxWorkerExecuteTimeUnit(TimeUnit.DAYS);
    }
    // join, not all: every deployment has ended when this completes, so a failed start can undeploy the rest.
    ((VertxInternal) vertx).createEventLoopContext().runOnContext(x -> Future.join(java.util.Arrays.stream(workers)
            .map(w -> vertx.deployVerticle(w, new DeploymentOptions(deployment))
                .onSuccess(workerDeployments::add))
            .toList())
        .<Void>mapEmpty().onComplete(deployed));
    return deployed.future().compose(v -> {
      consumer = vertx.eventBus().consumer(address, this::onMessage);
      return consumer.completion();
    }).map(v -> {
      state = State.RUNNING;
      log.info("Queue '{}' ready: capacity {}, fullMode {}, concurrency {}, types {}", name(), options.capacity(),
          options.fullMode().label(), n, types());
      return (Void) null;
    }).recover(e -> undeployWorkers().transform(x -> Future.failedFuture(e)));
  }

  @Override
  public Future<Void> stop(ServiceContext serviceContext) {
    Duration budget = host.get().remainingShutdownTime();
    state = State.STOPPING;
    if (waiterTimer >= 0) {
      vertx.cancelTimer(waiterTimer);
      waiterTimer = -1;
    }
    for (Waiter w; (w = waiters.pollFirst()) != null || (w = incoming.poll()) != null; ) {
      waiting.decrementAndGet();
      w.reply.fail(stopping());
    }
    List<String> notRun = new ArrayList<>();
    for (Item item; (item = channel.poll()) != null; ) {
      notRun.add(item.id);
      admitted.decrementAndGet();
    }
    drained = Promise.promise();
    if (running.get() == 0) {
      drained.complete();
    }
    log.info("Queue '{}' stopping: {} item(s) running, {} admitted but not started", name(), running.get(),
        notRun.size());
    long grace = Math.min(1000, budget.toMillis() / 5);
    long wait = Math.max(1, budget.toMillis() - grace);
    Future<Void> done = drained.future()
        .timeout(wait, TimeUnit.MILLISECONDS)
        .recover(e -> {
          List<String> cut = new ArrayList<>();
          for (Worker w : workers) {
            Item item = w.current;
            if (item != null) {
              cut.add(item.id);
              item.cancellation.cancel("shutdown");
            }
          }
          log.warn("Queue '{}': {} item(s) still running after {}ms; their tokens are cancelled: {}", name(),
              cut.size(), wait, String.join(", ", cut));
          return drained.future().timeout(Math.max(1, grace), TimeUnit.MILLISECONDS)
              .recover(e2 -> Future.failedFuture(new StopTimeoutException(running.get()
                  + " item(s) did not return after their tokens were cancelled")));
        });
    return done.transform(ar -> {
      if (!notRun.isEmpty()) {
        // The durable store will keep these for the next start; for now, name them so nothing is lost silently.
        log.warn("Queue '{}' stopped with {} item(s) admitted but not run: {}", name(), notRun.size(),
            String.join(", ", notRun));
      }
      Future<Void> undeploy = undeployWorkers();
      if (ar.failed()) {
        // A worker still blocked in its item undeploys when the item returns: do not wait for it past the budget.
        undeploy = undeploy.timeout(UNDEPLOY_AFTER_CUT_MS, TimeUnit.MILLISECONDS).recover(e -> {
          log.info("Queue '{}': its blocked worker(s) will be undeployed when their items return", name());
          return Future.succeededFuture();
        });
      }
      return undeploy.transform(x -> consumer.unregister()).transform(ar2 -> {
        state = State.STOPPED;
        return ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause());
      });
    });
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

  /**
   * Admission, from any thread: admits at once when there is room and nobody waits, refuses in reject mode, and
   * otherwise parks the request on the queue's context. The future completes on the caller's context, if any.
   */
  Future<String> submit(Item item) {
    Context ctx = context;
    if (ctx == null || state != State.RUNNING) {
      return Future.failedFuture(stopping());
    }
    if (waiting.get() == 0 && tryReserve()) {
      try {
        return Future.succeededFuture(admit(item));
      } catch (WorkException e) {
        return Future.failedFuture(e);
      }
    }
    if (options.fullMode() == FullMode.REJECT) {
      rejected.increment();
      return Future.failedFuture(new WorkException(WorkException.QUEUE_FULL, "queue '" + name()
          + "' is full (capacity " + options.capacity() + ")"));
    }
    waiting.incrementAndGet();
    Promise<String> parked = Promise.promise();
    incoming.offer(new Waiter(item, parked, System.nanoTime() + options.enqueueTimeout().toNanos()));
    Context caller = Vertx.currentContext();
    if (caller == ctx) {
      housekeeping();
      return parked.future();
    }
    try {
      scheduleHousekeeping();
    } catch (RejectedExecutionException e) {
      // Vert.x is closing: nothing will run the housekeeping, so refuse here.
      parked.tryFail(stopping());
      return parked.future();
    }
    if (caller == null || parked.future().isComplete()) {
      return parked.future();
    }
    // Hand the outcome back on the caller's context, as a Vert.x caller expects.
    Promise<String> result = Promise.promise();
    parked.future().onComplete(ar -> caller.runOnContext(v -> result.handle(ar)));
    return result.future();
  }

  private boolean tryReserve() {
    int capacity = options.capacity();
    for (int a = admitted.get(); a < capacity; a = admitted.get()) {
      if (admitted.compareAndSet(a, a + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Admits an item whose slot is reserved: id, status, channel, and a worker woken if one is idle. */
  private String admit(Item item) {
    item.id = idPrefix.concat(Long.toString(ids.incrementAndGet()));   // decimal: the JDK's fastest long-to-string
    item.enqueuedNanos = System.nanoTime();
    item.enqueuedMillis = System.currentTimeMillis();
    statuses.add(item);
    channel.offer(item);
    if (state != State.RUNNING && channel.remove(item)) {
      // The stop drained the channel before this item got in: refuse it rather than leave it unseen.
      statuses.remove(item);
      admitted.decrementAndGet();
      throw stopping();
    }
    enqueued.increment();
    itemEvents.changed(vertx, name(), item);
    wakeOne();
    return item.id;
  }

  private void wakeOne() {
    if (idleWorkers.get() == 0) {
      return;
    }
    for (Worker w : workers) {
      if (w.idle.get() && claim(w)) {
        w.wake();
        return;
      }
    }
  }

  /** Runs {@link #housekeeping()} soon, once for any number of calls made before it runs (admission batches). */
  private void scheduleHousekeeping() {
    if (housekeeping.compareAndSet(false, true)) {
      try {
        context.runOnContext(v -> housekeeping());
      } catch (RejectedExecutionException e) {
        // Vert.x is closing: nothing is left to admit or to wait for.
      }
    }
  }

  /**
   * On the queue's context: parks the incoming requests (in arrival order), admits parked requests while there is
   * room, and completes the stop's drain once nothing runs.
   */
  private void housekeeping() {
    housekeeping.set(false);
    for (Waiter w; (w = incoming.poll()) != null; ) {
      if (state != State.RUNNING) {
        waiting.decrementAndGet();
        w.reply.fail(stopping());
      } else {
        waiters.addLast(w);
      }
    }
    admitWaiters();
    armWaiterTimer();
    if (drained != null && running.get() == 0) {
      drained.tryComplete();
    }
  }

  /** On the queue's context: admits parked requests, oldest first, while there is room. */
  private void admitWaiters() {
    while (state == State.RUNNING && !waiters.isEmpty() && tryReserve()) {
      Waiter w = waiters.pollFirst();
      waiting.decrementAndGet();
      try {
        w.reply.complete(admit(w.item));
      } catch (WorkException e) {
        w.reply.fail(e);
      }
    }
  }

  private void armWaiterTimer() {
    Waiter head = waiters.peekFirst();
    if (waiterTimer >= 0 || head == null) {
      return;
    }
    // All waiters share one timeout, so deadlines grow along the deque: one timer for the head is enough.
    long delay = Math.max(1, TimeUnit.NANOSECONDS.toMillis(head.deadline - System.nanoTime()) + 1);
    waiterTimer = vertx.setTimer(delay, id -> {
      waiterTimer = -1;
      long now = System.nanoTime();
      for (Waiter w; (w = waiters.peekFirst()) != null && w.deadline - now <= 0; ) {
        waiters.pollFirst();
        waiting.decrementAndGet();
        w.reply.fail(new WorkException(WorkException.ENQUEUE_TIMEOUT, "queue '" + name() + "' had no room within "
            + options.enqueueTimeout().toMillis() + "ms (enqueueTimeout)"));
      }
      armWaiterTimer();
    });
  }

  private void onMessage(Message<Object> message) {
    Future<String> f;
    try {
      f = submit(toItem(message.body()));
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
    } else if (outcome.cause() instanceof WorkException w) {
      message.fail(WorkException.REPLY_FAILURE_CODE, w.code() + ": " + w.getMessage());
    } else {
      message.fail(500, String.valueOf(outcome.cause()));
    }
  }

  /** Turns an event-bus body into an item: {@code {"type", "payload"}} or {@link LocalWork}. */
  Item toItem(Object body) {
    if (body instanceof LocalWork local) {
      return new Item(local.type, null, local.blocking, local.async);
    }
    if (!(body instanceof JsonObject json)) {
      throw new WorkException(WorkException.INVALID_ITEM, "a work item must be a JSON object with a 'type', not "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    Object type = json.getValue("type");
    if (!(type instanceof String t) || t.isBlank()) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "the item's 'type' must be a non-blank string");
    }
    Object payload = json.getValue("payload");
    if (payload != null && !(payload instanceof JsonObject)) {
      throw new WorkException(WorkException.INVALID_ITEM, "the item's 'payload' must be a JSON object");
    }
    return typed(t, (JsonObject) payload);
  }

  /** A typed item; an unknown type is refused here, at enqueue, never discovered when it would run. */
  Item typed(String type, JsonObject payload) {
    Handlers.Entry h = handlers.get(type);
    if (h == null) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "queue '" + name() + "' has no handler for type '" + type
          + "'; its types are: " + String.join(", ", types()));
    }
    return new Item(type, payload == null ? new JsonObject() : payload, h.blocking(), h.async());
  }

  // ---------------------------------------------------------------- workers

  /**
   * The next item for a worker, counted as running from here; null when empty or stopping. The worker counts itself
   * as running before it reads the state, and the stop sets the state before it reads {@code running}: so either the
   * stop waits for this worker, or the worker sees the stop and takes nothing.
   */
  Item poll() {
    if (state != State.RUNNING || channel.isEmpty()) {
      return null;
    }
    running.incrementAndGet();
    Item item = state == State.RUNNING ? channel.poll() : null;
    if (item == null && running.decrementAndGet() == 0 && state != State.RUNNING) {
      scheduleHousekeeping();   // the stop may have seen this worker counted: its drain completes there
    }
    return item;
  }

  boolean channelEmpty() {
    return channel.isEmpty();
  }

  void idle(Worker w) {
    w.idle.set(true);
    idleWorkers.incrementAndGet();
  }

  /** Takes an idle worker's credit; true for the one caller that got it. */
  boolean claim(Worker w) {
    if (w.idle.compareAndSet(true, false)) {
      idleWorkers.decrementAndGet();
      return true;
    }
    return false;
  }

  /** A worker started {@code item}: arm its timeout on the queue's context, as a blocking item holds the worker's. */
  void started(Item item, Worker worker) {
    itemEvents.changed(vertx, name(), item);
    long timeout = options.timeout().toMillis();
    if (timeout > 0) {
      context.runOnContext(v -> {
        if (item.state.isFinal()) {
          return;
        }
        long timer = vertx.setTimer(timeout, id -> {
          if (!item.state.isFinal()) {
            item.timedOut = true;
            item.cancellation.cancel("timeout");
            worker.timedOut(item);
          }
        });
        item.timer = timer;
        // completed() may have read the timer before it was set: the item ended meanwhile, so cancel it here.
        if (item.state.isFinal()) {
          vertx.cancelTimer(timer);
        }
      });
    }
  }

  /** A worker finished {@code item} (its state is final): count it and free its slot. */
  void completed(Item item) {
    long timer = item.timer;   // -1 when not armed yet: started() cancels it then, as it sees the final state
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    switch (item.state) {
      case SUCCEEDED -> succeeded.increment();
      case FAILED -> failed.increment();
      case TIMED_OUT -> timedOut.increment();
      default -> cancelled.increment();
    }
    latency.recordValue(Math.min(HIGHEST_LATENCY_MICROS, Math.max(0, (item.startedNanos - item.enqueuedNanos) / 1000)));
    statuses.finished(item);
    itemEvents.changed(vertx, name(), item);
    running.decrementAndGet();
    admitted.decrementAndGet();
    if (waiting.get() > 0 || state != State.RUNNING) {
      scheduleHousekeeping();
    }
  }

  // ---------------------------------------------------------------- queries

  Optional<ItemStatus> status(String id) {
    Item item = statuses.get(id);
    return item == null ? Optional.empty() : Optional.of(item.snapshot(name()));
  }

  QueueStats stats() {
    int run = running.get();
    return new QueueStats(name(), options.capacity(), Math.max(0, admitted.get() - run), run, enqueued.sum(),
        rejected.sum(), succeeded.sum(), failed.sum(), cancelled.sum(), timedOut.sum(),
        latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
  }

  private WorkException stopping() {
    return new WorkException(WorkException.STOPPING, state == State.NEW
        ? "queue '" + name() + "' is not running yet"
        : "queue '" + name() + "' is stopping and admits no new items");
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
