package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.HostModule;
import io.berth.core.HostView;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceKind;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The work queues and fire-and-forget work as a host module. Declare queues and handlers here; config
 * ({@code queues.<name>}) may override a queue's options, and a section naming no declared queue declares it.
 * Registers the service {@code fire}, then one service {@code queue:<name>} per queue in declaration order, all
 * started before the application's services and stopped after them, and provides {@link WorkQueues}.
 */
public final class WorkModule implements HostModule {

  private static final Logger log = LoggerFactory.getLogger(WorkModule.class);

  private final Map<String, QueueOptions> declared = new LinkedHashMap<>();
  private final Handlers handlers = new Handlers();
  private StoreOptions store;
  /** The host-wide payload budget ({@code work.maxBytes}); 0: a quarter of the max heap. */
  private long maxBytes;

  /**
   * Where the items are kept. Without this call and without a {@code store} config section, in memory; config
   * ({@code store.*}) overrides what is set here.
   */
  public WorkModule store(StoreOptions options) {
    this.store = Objects.requireNonNull(options);
    return this;
  }

  /**
   * The most payload bytes all queues together hold in memory at once (config {@code work.maxBytes} overrides it);
   * by default a quarter of the max heap.
   */
  public WorkModule maxBytes(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must not be negative");
    }
    this.maxBytes = maxBytes;
    return this;
  }

  /** Declares a queue; config ({@code queues.<name>}) may override its options. */
  public WorkModule queue(QueueOptions options) {
    if (declared.putIfAbsent(options.name(), options) != null) {
      throw new IllegalArgumentException("queue '" + options.name() + "' is declared twice");
    }
    return this;
  }

  /** A blocking handler for {@code type} on every queue. */
  public WorkModule handler(String type, WorkHandler handler) {
    handlers.add(null, type, new Handlers.Entry(Objects.requireNonNull(handler), null));
    return this;
  }

  /** A blocking handler for {@code type} on queue {@code queue} only. */
  public WorkModule handler(String queue, String type, WorkHandler handler) {
    handlers.add(Objects.requireNonNull(queue), type, new Handlers.Entry(Objects.requireNonNull(handler), null));
    return this;
  }

  /** An async handler for {@code type} on every queue. */
  public WorkModule asyncHandler(String type, AsyncWorkHandler handler) {
    handlers.add(null, type, new Handlers.Entry(null, Objects.requireNonNull(handler)));
    return this;
  }

  /** An async handler for {@code type} on queue {@code queue} only. */
  public WorkModule asyncHandler(String queue, String type, AsyncWorkHandler handler) {
    handlers.add(Objects.requireNonNull(queue), type, new Handlers.Entry(null, Objects.requireNonNull(handler)));
    return this;
  }

  /**
   * Reads the {@code queues} section of the config, if any, builds the queues and registers their services and
   * the {@link WorkQueues} feature.
   *
   * @throws ConfigException for a bad {@code queues} section
   * @throws IllegalArgumentException for a handler of a queue that is not declared
   */
  @Override
  public void register(ModuleContext context) {
    ConfigReader config = context.config();
    StoreOptions storeOptions = store;
    // Read whenever a store is chosen in code too: BERTH_STORE_* variables apply without a store section in the file.
    if (config.has("store") || storeOptions != null) {
      storeOptions = (storeOptions == null ? new StoreOptions() : storeOptions).read(config.section("store"));
    }
    StoreBackend db = StoreBackends.open(storeOptions, context.host());
    if (db != null) {
      StoreBackend opened = db;
      // First of the module's services: started before the queues, stopped (the store closed) after them.
      context.service("store", ServiceKind.HOSTED, ModuleContext.Placement.FIRST, new HostedService() {
        @Override
        public Future<Void> start(ServiceContext ctx) {
          return Future.succeededFuture();
        }

        @Override
        public Future<Void> stop(ServiceContext ctx) {
          opened.close();
          return Future.succeededFuture();
        }
      });
    } else {
      log.info("Work store: memory (store.type); queued and running items do not survive a restart");
    }
    long hostBytes = maxBytes;
    // Read unconditionally: BERTH_WORK_MAX_BYTES applies without a work section in the file.
    hostBytes = config.section("work").bytes("maxBytes", hostBytes, 1 << 20, Long.MAX_VALUE / 4);
    PayloadBudget budget = PayloadBudget.host(hostBytes);
    WorkQueues work;
    try {
      work = build(config.has("queues") ? config.section("queues") : null, context.host(), db, budget);
      if (db == null && config.has("http")) {
        checkFits(work, budget, config.section("http").bytes("maxBodySize", DEFAULT_MAX_BODY, 1, Long.MAX_VALUE));
      }
    } catch (RuntimeException e) {
      if (db != null) {
        db.close();
      }
      throw e;
    }
    for (Map.Entry<String, HostedService> e : work.services().entrySet()) {
      ServiceKind kind = e.getKey().equals(Fire.NAME) ? ServiceKind.HOSTED : ServiceKind.QUEUE;
      context.service(e.getKey(), kind, ModuleContext.Placement.FIRST, e.getValue());
    }
    context.provide(WorkQueues.class, work);
    io.berth.core.RunLedger ledger = db == null ? null : db.runLedger();
    if (ledger != null) {
      context.provide(io.berth.core.RunLedger.class, ledger);
    }
  }

  /** The queues and their services; {@code config} is the {@code queues} section, or null. */
  @SuppressWarnings("deprecation")
  WorkQueues build(ConfigReader config, HostView host) {
    return build(config, host, null);
  }

  /** {@code http.maxBodySize}'s default (the admin module's), for the check of a memory queue's budget. */
  static final long DEFAULT_MAX_BODY = 256 * 1024;

  /**
   * A memory store holds every admitted payload until its item ends: a queue whose {@code capacity} full of
   * bodies of {@code maxBody} bytes cannot fit its budget would refuse items below its capacity, or, without the
   * budget, exhaust the heap. Refused at startup, naming the queue's capacity.
   */
  static void checkFits(WorkQueues work, PayloadBudget host, long maxBody) {
    for (String name : work.names()) {
      QueueOptions o = work.queue(name).options();
      PayloadBudget b = new PayloadBudget("queues." + name + ".maxBytes", o.maxBytes(), host);
      if ((double) o.capacity() * maxBody > b.max()) {
        throw new ConfigException("queues." + name + ".capacity", "capacity " + o.capacity() + " × http.maxBodySize "
            + maxBody + " bytes does not fit the memory budget of the in-memory store (" + b.max() + " bytes, "
            + b.maxKey() + "); lower the capacity or http.maxBodySize, raise " + b.maxKey() + " (or the heap), or"
            + " use the SQLite store (store.type)");
      }
    }
  }

  /** The queues and their services, keeping their items in {@code db} (null: in memory). */
  WorkQueues build(ConfigReader config, HostView host, StoreBackend db) {
    return build(config, host, db, PayloadBudget.host(maxBytes));
  }

  /** The queues and their services, their payloads held in memory within {@code budget}. */
  @SuppressWarnings("deprecation")
  WorkQueues build(ConfigReader config, HostView host, StoreBackend db, PayloadBudget budget) {
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
    Map<String, WorkQueue> queues = new LinkedHashMap<>();
    Map<String, HostedService> services = new LinkedHashMap<>();
    services.put(Fire.NAME, fire);
    for (QueueOptions o : all.values()) {
      Dispatcher d = new Dispatcher(o, handlers.forQueue(o.name()), host, db, budget);
      queues.put(o.name(), new WorkQueue(d));
      services.put("queue:" + o.name(), d);
    }
    return new WorkQueues(Collections.unmodifiableMap(queues), Collections.unmodifiableMap(services), fire, host,
        db == null ? () -> true : db::available, db == null ? null : db.stats());
  }
}
