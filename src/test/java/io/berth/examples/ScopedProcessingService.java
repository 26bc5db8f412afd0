package io.berth.examples;

import io.berth.service.CancellationToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** The seed's scoped processing service: a scoped dependency that works until cancelled, then is closed. */
public final class ScopedProcessingService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ScopedProcessingService.class);
  static final AtomicInteger closed = new AtomicInteger();
  private int executionCount;

  public void doWork(CancellationToken token, Duration pause, AtomicInteger progress) {
    while (!token.isCancellationRequested()) {
      executionCount++;
      progress.incrementAndGet();
      log.info("Scoped Processing Service is working. Count: {}", executionCount);
      token.sleep(pause);
    }
  }

  @Override
  public void close() {
    closed.incrementAndGet();
  }
}
