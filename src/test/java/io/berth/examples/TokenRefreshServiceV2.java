package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.LocalTime;

/**
 * Twin of {@code TokenRefreshService}, second version: a {@code BackgroundService} looping on
 * {@code Task.Delay(5000, stoppingToken)} ({@code period}), logging at start, cancellation and stop. The pitfall is the
 * article's point: no other code may fetch the token itself, as a new one invalidates the old; Berth's one refresher
 * per token is {@code tokens.<name>} ({@code Tokens.current}).
 */
public record TokenRefreshServiceV2(Duration period) implements BackgroundService {

  private static final Logger log = LoggerFactory.getLogger(TokenRefreshServiceV2.class);

  @Override
  public void execute(CancellationToken token) {
    log.info("Service starting");
    token.onCancel(() -> log.info("Service cancelled"));
    while (!token.isCancellationRequested()) {
      log.info("{}: Refresh Token!", LocalTime.now());   // the refresh itself goes here
      token.sleep(period);
    }
    log.info("Service stopping");
  }
}
