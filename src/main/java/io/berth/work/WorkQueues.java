package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.HostView;
import io.berth.service.HostedService;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The host's work: its named queues and fire-and-forget work ({@link Host#work()}). Queues are declared in code
 * ({@code Host.builder().queue(...)}) or in config ({@code queues.<name>}); each one runs as the host service
 * {@code queue:<name>}, started before the application's services and stopped after them.
 */
public final class WorkQueues {

  /** The event-bus address prefix: a queue listens on {@code berth.queue.<name>}. */
  public static final String ADDRESS_PREFIX = "berth.queue.";

  /**
   * Event bus address of item status changes, {@code {"queue", "id", "type", "status", "attempts", "error"?}},
   * published while at least one {@link #watchItems()} is open.
   */
  public static final String ITEMS_ADDRESS = "berth.items";

  private final Map<String, WorkQueue> queues;
  private final Map<String, HostedService> services;
  private final Fire fire;

  private final ItemEvents itemEvents;

  private WorkQueues(Map<String, WorkQueue> queues, Map<String, HostedService> services, Fire fire,
                     ItemEvents itemEvents) {
    this.itemEvents = itemEvents;
    this.queues = queues;
    this.services = services;
    this.fire = fire;
  }

  public static Builder builder() {
    return new Builder();
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

  /** For the host: the services to run, by service name, in start order ({@code fire}, then each queue). */
  /**
   * Starts publishing item status changes on {@link #ITEMS_ADDRESS} until the returned handle is closed (the admin
   * event stream holds one per client); with no watcher nothing is published.
   */
  public AutoCloseable watchItems() {
    return itemEvents.watch();
  }

  public Map<String, HostedService> services() {
    return services;
  }

  /** Collects queues and handlers; used by {@code Host.Builder}. */
  public static final class Builder {

    private final Map<String, QueueOptions> declared = new LinkedHashMap<>();
    private final Handlers handlers = new Handlers();

    private Builder() {
    }

    /** Declares a queue; config ({@code queues.<name>}) may override its options. */
    public Builder queue(QueueOptions options) {
      if (declared.putIfAbsent(options.name(), options) != null) {
        throw new IllegalArgumentException("queue '" + options.name() + "' is declared twice");
      }
      return this;
    }

    /** A blocking handler for {@code type} on every queue. */
    public Builder handler(String type, WorkHandler handler) {
      handlers.add(null, type, new Handlers.Entry(Objects.requireNonNull(handler), null));
      return this;
    }

    /** A blocking handler for {@code type} on queue {@code queue} only. */
    public Builder handler(String queue, String type, WorkHandler handler) {
      handlers.add(Objects.requireNonNull(queue), type, new Handlers.Entry(Objects.requireNonNull(handler), null));
      return this;
    }

    /** An async handler for {@code type} on every queue. */
    public Builder asyncHandler(String type, AsyncWorkHandler handler) {
      handlers.add(null, type, new Handlers.Entry(null, Objects.requireNonNull(handler)));
      return this;
    }

    /** An async handler for {@code type} on queue {@code queue} only. */
    public Builder asyncHandler(String queue, String type, AsyncWorkHandler handler) {
      handlers.add(Objects.requireNonNull(queue), type, new Handlers.Entry(null, Objects.requireNonNull(handler)));
      return this;
    }

    /**
     * Reads {@code queues.<name>} for every queue (a section naming no declared queue declares it) and builds the
     * queues. {@code config} is the {@code queues} section, or null for a host built without config.
     */
    public WorkQueues build(ConfigReader config, Supplier<HostView> host) {
      Map<String, QueueOptions> all = new LinkedHashMap<>(declared);
      if (config != null) {
        for (String name : config.names()) {
          if (!all.containsKey(name)) {
            try {
              all.put(name, new QueueOptions(name));
            } catch (IllegalArgumentException e) {
              throw new ConfigException(config.key(name), e.getMessage());
            }
          }
        }
        all.values().forEach(o -> o.read(config.section(o.name())));
      }
      for (String q : handlers.queuesWithHandlers()) {
        if (!all.containsKey(q)) {
          throw new IllegalArgumentException("a handler is registered for queue '" + q + "', which is not declared");
        }
      }
      Fire fire = new Fire(host);
      ItemEvents itemEvents = new ItemEvents();
      Map<String, WorkQueue> queues = new LinkedHashMap<>();
      Map<String, HostedService> services = new LinkedHashMap<>();
      services.put(Fire.NAME, fire);
      for (QueueOptions o : all.values()) {
        Dispatcher d = new Dispatcher(o, handlers.forQueue(o.name()), host, itemEvents);
        queues.put(o.name(), new WorkQueue(d));
        services.put("queue:" + o.name(), d);
      }
      return new WorkQueues(Collections.unmodifiableMap(queues), Collections.unmodifiableMap(services), fire,
          itemEvents);
    }
  }
}
