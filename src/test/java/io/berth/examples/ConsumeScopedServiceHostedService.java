package io.berth.examples;

import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The hosted-services doc's {@code ConsumeScopedServiceHostedService}: a background service (a singleton for the host)
 * that creates a scope of its own and resolves the scoped {@link ScopedProcessingService} in it, rather than capturing
 * one. It logs as the doc's does ("running", "is working", "is stopping"), and the scoped service works every 10 s
 * unless told otherwise.
 */
public final class ConsumeScopedServiceHostedService implements BackgroundService {

  private static final Logger log = LoggerFactory.getLogger(ConsumeScopedServiceHostedService.class);
  private final ServiceRegistry services;
  private final Duration delay;
  final AtomicInteger progress = new AtomicInteger();

  public ConsumeScopedServiceHostedService(ServiceRegistry services) {
    this(services, Duration.ofSeconds(10));
  }

  public ConsumeScopedServiceHostedService(ServiceRegistry services, Duration delay) {
    this.services = services;
    this.delay = delay;
  }

  @Override
  public void execute(CancellationToken token) {
    log.info("Consume Scoped Service Hosted Service running.");
    try (Scope scope = services.createScope("consume-scoped")) {
      log.info("Consume Scoped Service Hosted Service is working.");
      scope.get(ScopedProcessingService.class).doWork(token, delay, progress);
    }
    log.info("Consume Scoped Service Hosted Service is stopping.");
  }
}
