package io.berth.examples;

import io.berth.service.RunContext;
import io.berth.service.TimedService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed's {@code TimedHostedService}: a counter incremented atomically on every run, and logged. Registered with
 * {@code Host.builder().timed("timed", Schedule.every(Duration.ofSeconds(5)), new TimedHostedService())}; the schedule
 * can be overridden with {@code services.timed.schedule}. No overlapping runs, unlike System.Threading.Timer.
 */
public final class TimedHostedService implements TimedService {

  private static final Logger log = LoggerFactory.getLogger(TimedHostedService.class);
  private final AtomicInteger executionCount = new AtomicInteger();

  @Override
  public void run(RunContext run) {
    int count = executionCount.incrementAndGet();
    log.info("Timed Hosted Service is working. Count: {}", count);
  }

  public int count() {
    return executionCount.get();
  }
}
