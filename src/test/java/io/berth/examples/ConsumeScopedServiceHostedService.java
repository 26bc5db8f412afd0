package io.berth.examples;

import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed's {@code ConsumeScopedServiceHostedService}: a background service (a singleton for the host) that creates
 * a scope of its own and resolves the scoped {@link ScopedProcessingService} in it, rather than capturing one.
 */
public final class ConsumeScopedServiceHostedService implements BackgroundService {

  private final ServiceRegistry services;
  final AtomicInteger progress = new AtomicInteger();

  public ConsumeScopedServiceHostedService(ServiceRegistry services) {
    this.services = services;
  }

  @Override
  public void execute(CancellationToken token) {
    try (Scope scope = services.createScope("consume-scoped")) {
      scope.get(ScopedProcessingService.class).doWork(token, Duration.ofMillis(10), progress);
    }
  }
}
