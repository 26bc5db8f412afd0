package io.berth.examples;

import io.berth.service.ApplicationLifetime;
import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Twin of {@code MyHostedService} from the article on {@code IHostApplicationLifetime}: in {@code StartAsync} it
 * registers callbacks on {@code ApplicationStarted}, {@code ApplicationStopping} and {@code ApplicationStopped}, which
 * Berth's lifetime offers as futures. The pitfall: started does not fire when a later service fails to start, so
 * work waiting for it must also give up when the host stops — the {@code WaitForAppStartup} pattern, which .NET
 * writes with two {@code TaskCompletionSource}s and {@code Task.WhenAny}, and Berth with
 * {@code lifetime().awaitStarted(token)}: {@link WaitForAppStartup}.
 */
public final class MyHostedService implements HostedService {

  private static final Logger log = LoggerFactory.getLogger(MyHostedService.class);

  @Override
  public Future<Void> start(ServiceContext context) {
    ApplicationLifetime lifetime = context.lifetime();
    lifetime.started().onSuccess(v -> log.info("OnStarted has been called."));
    lifetime.stopping().onSuccess(v -> log.info("OnStopping has been called."));
    lifetime.stopped().onSuccess(v -> log.info("OnStopped has been called."));
    log.info("StartAsync has been called.");
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop(ServiceContext context) {
    log.info("StopAsync has been called.");
    return Future.succeededFuture();
  }

  /** A background service that works only once the app has started, and gives up if the host stops first. */
  public static final class WaitForAppStartup implements BackgroundService {
    private ApplicationLifetime lifetime;

    @Override
    public void init(ServiceContext context) {
      lifetime = context.lifetime();
    }

    @Override
    public void execute(CancellationToken token) throws Exception {
      if (!lifetime.awaitStarted(token).toCompletionStage().toCompletableFuture().get()) {
        log.info("The host stopped before it started: no work done.");
        return;
      }
      log.info("The host has started: working.");
    }
  }
}
