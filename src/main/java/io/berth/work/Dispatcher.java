package io.berth.work;

import io.berth.host.Host;
import io.berth.host.StopTimeoutException;
import io.berth.scope.ServiceRegistry;
import io.berth.service.CancellationSource;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The engine of one queue, run by the host as a service on an event-loop verticle. Every piece of queue state lives
 * on that one context, so the hot path takes no lock:
 * <ul>
 *   <li><b>admission</b> ({@link #admit}): the single entry point for the event-bus address and the in-process
 *   path. It assigns the id and either admits the item, parks the request (wait mode) or refuses it. A durable
 *   store goes here: an item is admitted once it is stored.</li>
 *   <li><b>the channel</b>: the bounded buffer of admitted items, {@code capacity} counting queued and running.</li>
 *   <li><b>dispatch</b>: each worker verticle has one credit; an item is sent (event bus, local codec) only to a
 *   worker holding its credit, which comes back with the item's completion.</li>
 * </ul>
 */
final class Dispatcher implements HostedService {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final long HIGHEST_LATENCY_MICROS = TimeUnit.HOURS.toMicros(1);

  private enum State { NEW, RUNNING, STOPPING, STOPPED }

  private final QueueOptions options;
  private final Map<String, Handlers.Entry> handlers;
  private final Supplier<Host> host;
  private final String address;
  private final StatusStore statuses;
  private final ConcurrentHistogram latency = new ConcurrentHistogram(HIGHEST_LATENCY_MICROS, 2);

  private volatile State state = State.NEW;
  private volatile Context context;
  private Vertx vertx;
  private ServiceRegistry registry;
  private MessageConsumer<Object> consumer;
  private final List<String> workerDeployments = new ArrayList<>();
  private Worker[] workers;
  private String[] workerAddresses;
  private Item[] current;
  private int[] free;
  private int freeCount;

  private final ArrayDeque<Item> buffer = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private long waiterTimer = -1;
  private int admitted;
  private Promise<Void> drained;
  private String idPrefix;
  private long idCounter;

  private volatile int depth;
  private volatile int inFlight;
  private volatile long enqueued;
  private volatile long rejected;
  private volatile long succeeded;
  private volatile long failed;
  private volatile long cancelled;
  private volatile long timedOut;

  private record Waiter(Item item, Promise<String> reply, long deadline) {
  }

  Dispatcher(QueueOptions options, Map<String, Handlers.Entry> handlers, Supplier<Host> host) {
    this.options = options;
    this.handlers = handlers;
    this.host = host;
    this.address = WorkQueues.address(options.name());
    this.statuses = new StatusStore(options.statusRetention());
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

  java.util.Set<String> types() {
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
    workerAddresses = new String[n];
    current = new Item[n];
    free = new int[n];
    List<Future<String>> deployments = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      workerAddresses[i] = address + ".worker." + idPrefix + i;
      workers[i] = new Worker(this, i, workerAddresses[i]);
      deployments.add(vertx.deployVerticle(workers[i], new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
          .onSuccess(workerDeployments::add));
      free[freeCount++] = n - 1 - i;
    }
    return Future.all(deployments).compose(v -> {
      consumer = vertx.eventBus().consumer(address, this::onMessage);
      return consumer.completion();
    }).map(v -> {
      state = State.RUNNING;
      log.info("Queue '{}' ready: capacity {}, fullMode {}, concurrency {}, types {}", name(), options.capacity(),
          options.fullMode().label(), n, types());
      return null;
    });
  }

  @Override
  public Future<Void> stop(ServiceContext serviceContext) {
    Duration budget = host.get().remainingShutdownTime();
    state = State.STOPPING;
    if (waiterTimer >= 0) {
      vertx.cancelTimer(waiterTimer);
      waiterTimer = -1;
    }
    for (Waiter w; (w = waiters.pollFirst()) != null; ) {
      w.reply.fail(stopping());
    }
    List<String> notRun = new ArrayList<>(buffer.size());
    for (Item item; (item = buffer.pollFirst()) != null; ) {
      notRun.add(item.id);
      admitted--;
    }
    depth = 0;
    drained = Promise.promise();
    if (inFlight == 0) {
      drained.complete();
    }
    log.info("Queue '{}' stopping: {} item(s) in flight, {} admitted but not started", name(), inFlight, notRun.size());
    long grace = Math.min(1000, budget.toMillis() / 5);
    long wait = Math.max(1, budget.toMillis() - grace);
    Future<Void> done = drained.future()
        .timeout(wait, TimeUnit.MILLISECONDS)
        .recover(e -> {
          List<String> running = new ArrayList<>();
          for (Item item : current) {
            if (item != null) {
              running.add(item.id);
              item.cancellation.cancel("shutdown");
            }
          }
          log.warn("Queue '{}': {} item(s) still running after {}ms; their tokens are cancelled: {}", name(),
              running.size(), wait, String.join(", ", running));
          return drained.future().timeout(Math.max(1, grace), TimeUnit.MILLISECONDS)
              .recover(e2 -> Future.failedFuture(new StopTimeoutException(inFlight
                  + " item(s) did not return after their tokens were cancelled")));
        });
    return done.transform(ar -> {
      if (!notRun.isEmpty()) {
        // The durable store will keep these for the next start; for now, name them so nothing is lost silently.
        log.warn("Queue '{}' stopped with {} item(s) admitted but not run: {}", name(), notRun.size(),
            String.join(", ", notRun));
      }
      Future<Void> undeploy = ar.succeeded()
          ? Future.all(workerDeployments.stream().map(vertx::undeploy).toList()).mapEmpty()
          : Future.succeededFuture();
      return undeploy.compose(v -> consumer.unregister()).transform(ar2 -> {
        state = State.STOPPED;
        return ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause());
      });
    });
  }

  // ---------------------------------------------------------------- admission

  /** The in-process path: the same admission as the event bus, without the message. Any thread. */
  Future<String> enqueue(Item item) {
    Context ctx = context;
    if (ctx == null || state != State.RUNNING) {
      return Future.failedFuture(stopping());
    }
    Context caller = Vertx.currentContext();
    Promise<String> admission = Promise.promise();
    if (caller == ctx) {
      admit(item, admission);
      return admission.future();
    }
    try {
      ctx.runOnContext(v -> admit(item, admission));
    } catch (RejectedExecutionException e) {
      return Future.failedFuture(stopping());
    }
    if (caller == null) {
      return admission.future();
    }
    // Hand the outcome back on the caller's context, as a Vert.x caller expects.
    Promise<String> result = Promise.promise();
    admission.future().onComplete(ar -> caller.runOnContext(v -> result.handle(ar)));
    return result.future();
  }

  private void onMessage(Message<Object> message) {
    Item item;
    try {
      item = toItem(message.body());
    } catch (WorkException e) {
      reply(message, Future.failedFuture(e));
      return;
    }
    Promise<String> admission = Promise.promise();
    admit(item, admission);
    Future<String> f = admission.future();
    if (f.isComplete()) {
      reply(message, f);
    } else {
      f.onComplete(ar -> reply(message, f));
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
      throw new WorkException(WorkException.UNKNOWN_TYPE, "a work item must be a JSON object with a 'type', not "
          + (body == null ? "null" : body.getClass().getSimpleName()));
    }
    Object type = json.getValue("type");
    if (!(type instanceof String t) || t.isBlank()) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "the item's 'type' must be a non-blank string");
    }
    Object payload = json.getValue("payload");
    if (payload != null && !(payload instanceof JsonObject)) {
      throw new WorkException(WorkException.UNKNOWN_TYPE, "the item's 'payload' must be a JSON object");
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

  /** Admits, parks or refuses one item; on the queue's context. */
  private void admit(Item item, Promise<String> reply) {
    if (state != State.RUNNING) {
      reply.fail(stopping());
      return;
    }
    if (admitted < options.capacity() && waiters.isEmpty()) {
      accept(item);
      reply.complete(item.id);
      return;
    }
    if (options.fullMode() == FullMode.REJECT) {
      rejected++;
      reply.fail(new WorkException(WorkException.QUEUE_FULL, "queue '" + name() + "' is full (capacity "
          + options.capacity() + ")"));
      return;
    }
    waiters.addLast(new Waiter(item, reply, System.nanoTime() + options.enqueueTimeout().toNanos()));
    armWaiterTimer();
  }

  private void accept(Item item) {
    item.id = idPrefix + Long.toString(++idCounter, 36);
    item.enqueuedNanos = System.nanoTime();
    item.enqueuedMillis = System.currentTimeMillis();
    statuses.add(item);
    admitted++;
    enqueued++;
    if (freeCount > 0) {
      send(item, free[--freeCount]);
    } else {
      buffer.addLast(item);
      depth = buffer.size();
    }
  }

  private void send(Item item, int worker) {
    current[worker] = item;
    inFlight++;
    item.cancellation = new CancellationSource();
    long timeout = options.timeout().toMillis();
    if (timeout > 0) {
      // The timer lives on this context, as a blocking handler keeps its worker's context busy until it returns.
      item.timer = vertx.setTimer(timeout, id -> {
        item.timer = -1;
        if (!item.state.isFinal()) {
          item.timedOut = true;
          item.cancellation.cancel("timeout");
          workers[worker].timedOut(item);
        }
      });
    }
    vertx.eventBus().send(workerAddresses[worker], item, LocalCodec.DELIVERY);
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
        w.reply.fail(new WorkException(WorkException.ENQUEUE_TIMEOUT, "queue '" + name() + "' had no room within "
            + options.enqueueTimeout().toMillis() + "ms (enqueueTimeout)"));
      }
      armWaiterTimer();
    });
  }

  // ---------------------------------------------------------------- completion

  /** Called by a worker when an item ended; hops to the queue's context. */
  void completed(Item item, int worker) {
    context.runOnContext(v -> onCompleted(item, worker));
  }

  private void onCompleted(Item item, int worker) {
    current[worker] = null;
    inFlight--;
    admitted--;
    if (item.timer >= 0) {
      vertx.cancelTimer(item.timer);
      item.timer = -1;
    }
    switch (item.state) {
      case SUCCEEDED -> succeeded++;
      case FAILED -> failed++;
      case TIMED_OUT -> timedOut++;
      default -> cancelled++;
    }
    if (item.startedNanos != 0) {
      latency.recordValue(Math.min(HIGHEST_LATENCY_MICROS,
          Math.max(0, (item.startedNanos - item.enqueuedNanos) / 1000)));
    }
    statuses.finished(item);
    Item next = state == State.RUNNING ? buffer.pollFirst() : null;
    if (next != null) {
      depth = buffer.size();
      send(next, worker);
    } else {
      free[freeCount++] = worker;
    }
    while (state == State.RUNNING && admitted < options.capacity() && !waiters.isEmpty()) {
      Waiter w = waiters.pollFirst();
      accept(w.item);
      w.reply.complete(w.item.id);
    }
    if (drained != null && inFlight == 0) {
      drained.tryComplete();
    }
  }

  // ---------------------------------------------------------------- queries

  Optional<ItemStatus> status(String id) {
    Item item = statuses.get(id);
    return item == null ? Optional.empty() : Optional.of(item.snapshot(name()));
  }

  QueueStats stats() {
    return new QueueStats(name(), options.capacity(), depth, inFlight, enqueued, rejected, succeeded, failed,
        cancelled, timedOut, latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMaxValue());
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
