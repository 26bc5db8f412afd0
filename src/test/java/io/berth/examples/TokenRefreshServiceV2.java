package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.LocalTime;

/**
 * Twin of {@code TokenRefreshService}, second version, from the same article: a {@code BackgroundService} whose
 * {@code ExecuteAsync} loops {@code while (!stoppingToken.IsCancellationRequested)} with
 * {@code await Task.Delay(5000, stoppingToken)}, logging as it starts, when its token is cancelled and as it stops.
 * Its pitfall is the article's point: every other piece of code must take the token from this one refresher and never
 * fetch one itself, since a new WeChat token invalidates the old. Berth has that refresher built in: declare
 * {@code tokens.<name>} and call {@code tokens.current(name)} (see {@code SeedExamplesTest}).
 */
public final class TokenRefreshServiceV2 implements BackgroundService {

  private static final Logger log = LoggerFactory.getLogger(TokenRefreshServiceV2.class);
  private final Duration period;

  /** {@code period}: 5 s in the article. */
  public TokenRefreshServiceV2(Duration period) {
    this.period = period;
  }

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
