package io.berth.core;

import io.berth.core.internal.StopTimeoutException;
import io.berth.core.internal.Failures;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Runs a {@link HostedService} on its worker verticle, keeping the thread of a blocking start so it can be interrupted. */
final class HostedRunner implements ServiceRunner {

  private final HostedService service;
  private final ServiceContext context;
  private volatile Thread blockedIn;

  HostedRunner(HostedService service, ServiceContext context) {
    this.service = service;
    this.context = context;
  }

  @Override
  public Future<Void> start() throws Exception {
    return recordingThread(() -> service.start(context));
  }

  @Override
  public Future<Void> started() throws Exception {
    return recordingThread(() -> service.started(context));
  }

  @Override
  public Future<Void> stop(Duration budget) throws Exception {
    return recordingThread(() -> service.stop(context))
        .timeout(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(Failures.isTimeout(e)
            ? new StopTimeoutException("its stop did not complete")
            : e));
  }

  @Override
  public void interrupt() {
    Thread t = blockedIn;
    if (t != null) {
      t.interrupt();
    }
  }

  private Future<Void> recordingThread(Callable<Future<Void>> call) throws Exception {
    blockedIn = Thread.currentThread();
    try {
      Future<Void> f = call.call();
      return f == null ? Future.succeededFuture() : f;
    } finally {
      blockedIn = null;
    }
  }
}
