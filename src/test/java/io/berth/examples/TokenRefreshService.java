package io.berth.examples;

import io.berth.service.RunContext;
import io.berth.service.TimedService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.LocalTime;

/**
 * Twin of {@code TokenRefreshService}, first version, from the article on running a task in the background (WeChat's
 * {@code access_token}): an {@code IHostedService} whose {@code System.Threading.Timer} logs "Refresh Token!" every
 * 5 s, stopped in {@code StopAsync} and disposed. Its pitfalls: the timer's callbacks overlap when a refresh is slower
 * than the period, and nothing stops the timer on a failure: a later service failing to start never calls
 * {@code StopAsync}, and a callback that throws is an unhandled exception. As a Berth timed service, runs never overlap
 * (a tick missed while a refresh runs coalesces into one run), a failed start stops the services already started, and
 * a failed run is logged while the schedule goes on. Registered with
 * {@code .timed("token-refresh", new TokenRefreshService(), o -> o.schedule(Schedule.every(Duration.ofSeconds(5))).runOnStart(true))}.
 */
public final class TokenRefreshService implements TimedService {

  private static final Logger log = LoggerFactory.getLogger(TokenRefreshService.class);

  @Override
  public void run(RunContext run) {
    log.info("{}: Refresh Token!", LocalTime.now());   // the refresh itself goes here
  }
}
