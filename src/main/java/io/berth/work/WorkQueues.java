package io.berth.work;

import io.berth.core.HostView;
import io.berth.service.HostedService;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The host's work, a feature of {@link WorkModule}: its named queues and fire-and-forget work. Queues are declared
 * in code ({@link WorkModule#queue}) or in config ({@code queues.<name>}); each one runs as the host service
 * {@code queue:<name>}, started before the application's services and stopped after them.
 */
public final class WorkQueues {

  /** The event-bus address prefix: a queue listens on {@code berth.queue.<name>}. */
  public static final String ADDRESS_PREFIX = "berth.queue.";
  /**
   * The header of an enqueue's reply that says {@code "false"} when nothing was created: an unfinished item had the
   * item's unique key, and the reply's body is that item's id.
   */
  public static final String CREATED_HEADER = "berth-created";

  private final Map<String, WorkQueue> queues;
  private final Map<String, HostedService> services;
  private final Fire fire;
  private final HostView host;
  private final java.util.function.BooleanSupplier storeAvailable;
  private final StoreStats storeStats;

  WorkQueues(Map<String, WorkQueue> queues, Map<String, HostedService> services, Fire fire, HostView host,
             java.util.function.BooleanSupplier storeAvailable, StoreStats storeStats) {
    this.queues = queues;
    this.services = services;
    this.fire = fire;
    this.host = host;
    this.storeAvailable = storeAvailable;
    this.storeStats = storeStats;
  }

  /**
   * Whether the store answered its last statement (always true in memory): false while a PostgreSQL server is away,
   * and then enqueues fail with {@code store_unavailable} and readiness reports it.
   */
  public boolean storeAvailable() {
    return storeAvailable.getAsBoolean();
  }

  /** What the durable store's commits cost since the start; empty with the memory store. */
  public java.util.Optional<StoreStats> storeStats() {
    return java.util.Optional.ofNullable(storeStats);
  }

  /** The event-bus address of queue {@code name}. */
  public static String address(String name) {
    return ADDRESS_PREFIX + name;
  }

  /**
   * Enqueues a typed item through the event bus, as a client on any verticle (or, later, any node) does: a request
   * to the queue's address, answered with the item id once admitted, or failed with a {@link WorkException}.
   * {@code sendTimeout} should exceed the queue's {@code enqueueTimeout}.
   */
  public static Future<String> request(EventBus bus, String queue, String type, JsonObject payload, long sendTimeoutMs) {
    JsonObject item = new JsonObject().put("type", type).put("payload", payload == null ? new JsonObject() : payload);
    return bus.<String>request(address(queue), item, new DeliveryOptions().setSendTimeout(sendTimeoutMs))
        .transform(ar -> ar.succeeded() ? Future.succeededFuture(ar.result().body())
            : Future.failedFuture(WorkException.fromReply(ar.cause(), queue)));
  }

  /**
   * The queue named {@code name}.
   *
   * @throws WorkException with code {@code unknown_queue} when there is none
   */
  public WorkQueue queue(String name) {
    WorkQueue q = queues.get(name);
    if (q == null) {
      throw new WorkException(WorkException.UNKNOWN_QUEUE, "no queue named '" + name + "'; the queues are: "
          + String.join(", ", queues.keySet()));
    }
    return q;
  }

  /** The queue names in declaration order. */
  public Set<String> names() {
    return queues.keySet();
  }

  /** Every queue's figures, in declaration order. */
  public List<QueueStats> stats() {
    return queues.values().stream().map(WorkQueue::stats).toList();
  }

  /** The figures of fire-and-forget work. */
  public FireStats fireStats() {
    return fire.stats();
  }

  /** Runs {@code work} on a worker thread with a scope of its own; a failure is logged. See {@link #fire(String, WorkHandler, Consumer)}. */
  public Future<Void> fire(String name, WorkHandler work) {
    return fire(name, work, null);
  }

  /**
   * Runs {@code work} off the caller, on a thread of the fire-and-forget pool ({@code berth-fire}, 16 threads), with
   * a new scope ({@link WorkContext#scope()}) whose services are resolved for this work: never hand it the caller's
   * request-scoped objects, which may be closed by the time it runs. A failure is logged once and passed to
   * {@code onError} (may be null). The host's stop waits for running work within the shutdown timeout, then cancels
   * its token. The returned future (which callers may ignore) completes when the work ends; it fails with
   * {@code stopping} before the host has started and once it is stopping.
   */
  public Future<Void> fire(String name, WorkHandler work, Consumer<Throwable> onError) {
    return fire.fire(Objects.requireNonNull(name, "name"), Objects.requireNonNull(work, "work"), onError);
  }

  /** For {@link WorkModule}: the services to run, by service name, in start order ({@code fire}, then each queue). */
  Map<String, HostedService> services() {
    return services;
  }
}
