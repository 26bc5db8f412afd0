package io.berth.work;

import io.berth.core.Host;
import io.berth.core.HostEvents;
import io.berth.core.HostOptions;
import io.berth.core.HostView;
import io.berth.core.ServiceInfo;
import io.berth.scope.ServiceRegistry;
import io.berth.service.ApplicationLifetime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Today's {@link Host} seen as a {@link HostView}, for {@link WorkQueues.Builder} until the core registers
 * {@link WorkModule}; its events are the work's own (the admin relays them through {@link WorkQueues#watchItems()}).
 *
 * @deprecated removed when the core registers WorkModule
 */
@Deprecated // removed when the core registers WorkModule
final class LegacyHostView implements HostView {

  private final Supplier<Host> host;
  private final HostEvents events = new HostEvents();

  LegacyHostView(Supplier<Host> host) {
    this.host = host;
  }

  @Override
  public Vertx vertx() {
    return host.get().vertx();
  }

  @Override
  public ApplicationLifetime lifetime() {
    return host.get().lifetime();
  }

  @Override
  public HostOptions options() {
    return host.get().options();
  }

  @Override
  public ServiceRegistry registry() {
    return host.get().registry();
  }

  @Override
  public List<ServiceInfo> services() {
    return host.get().services();
  }

  @Override
  public <T> Optional<T> feature(Class<T> type) {
    return type == WorkQueues.class ? Optional.of(type.cast(host.get().work())) : Optional.empty();
  }

  @Override
  public Future<Void> trigger(String name) {
    return host.get().trigger(name);
  }

  @Override
  public Duration remainingShutdownTime() {
    return host.get().remainingShutdownTime();
  }

  @Override
  public HostEvents events() {
    return events;
  }
}
