package io.berth.cli;

import io.berth.service.RunContext;
import io.berth.service.TimedService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The default app's timed demo service, the seed's {@code TimedHostedService}: counts its runs atomically and logs
 * the count. Its schedule is {@code services.ticker.schedule} ({@code every 10s}).
 */
final class Ticker implements TimedService {

  private static final Logger log = LoggerFactory.getLogger(Ticker.class);

  private final AtomicLong count = new AtomicLong();

  @Override
  public void run(RunContext run) {
    log.info("Ticker is working. Count: {}", count.incrementAndGet());
  }
}
