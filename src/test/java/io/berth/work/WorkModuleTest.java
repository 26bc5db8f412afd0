package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostEvent;
import io.berth.core.HostEvents;
import io.berth.core.HostListener;
import io.berth.core.HostOptions;
import io.berth.core.HostView;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceKind;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The work as a host module, driven by a stand-in for the core: what it registers, and item events on the host's
 * events, built only while a listener wants them.
 */
@ExtendWith(VertxExtension.class)
class WorkModuleTest {

  /** The host as the module sees it: a Vert.x, a registry, a shutdown budget and the host's events. */
  static final class View implements HostView {
    final Vertx vertx;
    final HostEvents events = new HostEvents();
    final ServiceRegistry registry = ServiceRegistry.builder().build();
    /** A lifetime that never stops: only the queues' wait for the stop reads it. */
    final ApplicationLifetime lifetime = new ApplicationLifetime() {
      @Override public Future<Void> started() { return Future.succeededFuture(); }
      @Override public Future<Void> stopping() { return io.vertx.core.Promise.<Void>promise().future(); }
      @Override public CancellationToken stoppingToken() { return CancellationToken.NONE; }
      @Override public Future<Void> stopped() { return io.vertx.core.Promise.<Void>promise().future(); }
      @Override public void stopApplication() { }
      @Override public boolean isReady() { return true; }
      @Override public io.berth.service.HostState state() { return io.berth.service.HostState.STARTED; }
      @Override public Future<Boolean> awaitStarted(CancellationToken token) { return Future.succeededFuture(true); }
      @Override public Optional<io.vertx.core.net.SocketAddress> httpAddress() { return Optional.empty(); }
      @Override public String nodeId() { return "test"; }
    };

    View(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override public Vertx vertx() { return vertx; }
    @Override public ApplicationLifetime lifetime() { return lifetime; }
    @Override public HostOptions options() { return new HostOptions(); }
    @Override public ServiceRegistry registry() { return registry; }
    @Override public List<ServiceInfo> services() { return List.of(); }
    @Override public <T> Optional<T> feature(Class<T> type) { return Optional.empty(); }
    @Override public Future<Void> pause(String name, boolean paused) { return Future.failedFuture("no services"); }
    @Override public Future<Void> trigger(String name) { throw new UnsupportedOperationException(); }
    @Override public Duration remainingShutdownTime() { return Duration.ofSeconds(5); }
    @Override public HostEvents events() { return events; }
  }

  record Registered(String name, ServiceKind kind, ModuleContext.Placement placement, HostedService service) {
  }

  /** Records what the module registers. */
  static final class Context implements ModuleContext {
    final ConfigReader config;
    final View host;
    final List<Registered> services = new ArrayList<>();
    final Map<Class<?>, Object> features = new LinkedHashMap<>();

    Context(JsonObject config, View host) {
      this.config = ConfigReader.of(config);
      this.host = host;
    }

    @Override public ConfigReader config() { return config; }
    @Override public HostOptions options() { return host.options(); }
    @Override public Vertx vertx() { return host.vertx; }
    @Override public ServiceRegistry registry() { return host.registry; }
    @Override public void service(String name, ServiceKind kind, Placement placement, HostedService service,
                                  Duration startTimeout) {
      services.add(new Registered(name, kind, placement, service));
    }
    @Override public void edge(String name, HostedService service, Supplier<SocketAddress> boundAddress) {
      throw new AssertionError("the work has no edge");
    }
    @Override public <T> void provide(Class<T> type, T feature) { features.put(type, feature); }
    @Override public void listen(HostListener listener) { host.events.listen(listener); }
    @Override public HostView host() { return host; }
  }

  private static ServiceContext serviceContext(Vertx vertx, String name) {
    return new ServiceContext() {
      @Override public String name() { return name; }
      @Override public Vertx vertx() { return vertx; }
      @Override public ApplicationLifetime lifetime() { throw new UnsupportedOperationException(); }
      @Override public JsonObject config() { return new JsonObject(); }
      @Override public CancellationToken cancellation() { throw new UnsupportedOperationException(); }
      @Override public ServiceRegistry registry() { throw new UnsupportedOperationException(); }
      @Override public <T> Optional<T> feature(Class<T> type) { return Optional.empty(); }
      @Override public ConfigReader settings() { return ConfigReader.of(new JsonObject()); }
      @Override public Duration remainingStopTime() { return Duration.ofSeconds(5); }
    };
  }

  /** Runs a service's start or stop on a context of its own, as the host's service verticle does. */
  interface Step {
    Future<Void> apply(ServiceContext context) throws Exception;
  }

  private static Future<Void> onContext(Vertx vertx, Step f, String name) {
    return io.berth.core.internal.Futures.on(vertx.getOrCreateContext(), () -> f.apply(serviceContext(vertx, name)));
  }

  @Test
  void registersFireThenEachQueueInDeclarationOrderFirstAndProvidesTheQueues(Vertx vertx) {
    Context ctx = new Context(new JsonObject().put("queues", new JsonObject()
        .put("mail", new JsonObject().put("concurrency", 3))
        .put("fromConfig", new JsonObject())), new View(vertx));

    new WorkModule()
        .queue(new QueueOptions("mail"))
        .queue(new QueueOptions("default"))
        .handler("log", c -> { })
        .asyncHandler("mail", "send", c -> Future.succeededFuture())
        .register(ctx);

    assertThat(ctx.services).extracting(Registered::name)
        .containsExactly("fire", "queue:mail", "queue:default", "queue:fromConfig");
    assertThat(ctx.services).extracting(Registered::kind)
        .containsExactly(ServiceKind.HOSTED, ServiceKind.QUEUE, ServiceKind.QUEUE, ServiceKind.QUEUE);
    assertThat(ctx.services).extracting(Registered::placement).containsOnly(ModuleContext.Placement.FIRST);
    WorkQueues work = (WorkQueues) ctx.features.get(WorkQueues.class);
    assertThat(work.names()).containsExactly("mail", "default", "fromConfig");
    assertThat(work.queue("mail").options().concurrency()).isEqualTo(3);
    assertThat(work.queue("mail").types()).containsExactlyInAnyOrder("log", "send");
    assertThat(work.queue("default").types()).containsExactly("log");
  }

  @Test
  void aHandlerForAnUndeclaredQueueIsRefused(Vertx vertx) {
    Context ctx = new Context(new JsonObject(), new View(vertx));
    WorkModule module = new WorkModule().handler("nowhere", "t", c -> { });

    assertThatThrownBy(() -> module.register(ctx)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue 'nowhere'");
  }

  @Test
  void itemEventsReachTheHostsListenersAndAreBuiltOnlyWhileOneWantsThem(Vertx vertx) throws Exception {
    View view = new View(vertx);
    Context ctx = new Context(new JsonObject(), view);
    new WorkModule().queue(new QueueOptions("q").concurrency(1).retry(new RetryOptions().maxAttempts(1)))
        .handler("ok", c -> { })
        .handler("bad", c -> { throw new IllegalStateException("boom"); })
        .register(ctx);
    WorkQueues work = (WorkQueues) ctx.features.get(WorkQueues.class);
    for (Registered r : ctx.services) {
      await(onContext(vertx, r.service::start, r.name));
    }
    AtomicInteger asked = new AtomicInteger();
    List<HostEvent> seen = new CopyOnWriteArrayList<>();
    // Another topic's listener: asked, but no item event is built or handed to it.
    view.events.listen(new HostListener() {
      @Override public void onEvent(HostEvent event) { seen.add(event); }
      @Override public boolean wants(String topic) { asked.incrementAndGet(); return topic.equals("service"); }
    });
    WorkQueue q = work.queue("q");
    String unseen = await(q.enqueue("ok", new JsonObject()));
    await().atMost(Duration.ofSeconds(5)).until(() -> q.status(unseen).orElseThrow().state().isFinal());
    assertThat(asked.get()).isEqualTo(3);   // queued, running, succeeded
    assertThat(seen).isEmpty();

    List<HostEvent> items = new CopyOnWriteArrayList<>();
    try (AutoCloseable l = view.events.listen(new HostListener() {
      @Override public void onEvent(HostEvent event) { items.add(event); }
      @Override public boolean wants(String topic) { return topic.equals(ItemEvent.TOPIC); }
    })) {
      String id = await(q.enqueue("bad", new JsonObject()));
      await().atMost(Duration.ofSeconds(5)).until(() -> items.size() == 3);

      assertThat(items).extracting(HostEvent::topic).containsOnly("item");
      assertThat(items).extracting(e -> ((ItemEvent) e).status())
          .containsExactly(ItemState.QUEUED, ItemState.RUNNING, ItemState.DEAD);
      assertThat(items.get(2).toJson()).isEqualTo(new JsonObject().put("queue", "q").put("id", id).put("type", "bad")
          .put("status", "dead").put("attempts", 1).put("error", "IllegalStateException: boom"));
      assertThat(items.get(0).toJson().containsKey("error")).isFalse();
    }
    for (int i = ctx.services.size() - 1; i >= 0; i--) {
      Registered r = ctx.services.get(i);
      await(onContext(vertx, r.service::stop, r.name));
    }
  }
}
