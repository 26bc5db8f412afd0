package io.berth.cli;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The default app's demo background service: logs a heartbeat every {@code services.heartbeat.interval} (5s), as
 * the refresh loop of the first seed article did, and returns as soon as its token is cancelled.
 */
final class Heartbeat implements BackgroundService {

  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final Duration interval;

  Heartbeat(Duration interval) {
    this.interval = interval;
  }

  @Override
  public void execute(CancellationToken token) {
    long beats = 0;
    while (token.sleep(interval)) {
      log.info("Heartbeat #{}", ++beats);
    }
    log.info("Heartbeat stopping after {} beat(s)", beats);
  }
}
