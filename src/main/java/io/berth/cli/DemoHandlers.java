package io.berth.cli;

import io.berth.work.WorkContext;
import io.berth.work.WorkHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The work handlers of the default app, so the jar does real work out of the box: {@code demo.sleep}
 * ({@code {"ms": N}}, returns early when the item's token is cancelled), {@code demo.fail}
 * ({@code {"message": "..."}}, always throws) and {@code log} ({@code {"message": "..."}}, logs it at INFO).
 */
final class DemoHandlers {

  static final String SLEEP = "demo.sleep";
  static final String FAIL = "demo.fail";
  static final String LOG = "log";

  private static final Logger log = LoggerFactory.getLogger(DemoHandlers.class);

  private DemoHandlers() {
  }

  /** Sleeps {@code ms} (default 1000), cooperatively: a cancelled token ends it with a CancellationException. */
  static final WorkHandler SLEEP_HANDLER = (WorkContext ctx) -> {
    long ms = ctx.payload().getLong("ms", 1000L);
    if (ms < 0) {
      throw new IllegalArgumentException("payload 'ms' must not be negative, not " + ms);
    }
    if (!ctx.token().sleep(Duration.ofMillis(ms))) {
      ctx.token().throwIfCancellationRequested();
    }
  };

  /** Fails with the payload's {@code message}. */
  static final WorkHandler FAIL_HANDLER = (WorkContext ctx) -> {
    throw new IllegalStateException(ctx.payload().getString("message", "demo.fail was asked to fail"));
  };

  /** Logs the payload's {@code message} with the queue and item id. */
  static final WorkHandler LOG_HANDLER = (WorkContext ctx) ->
      log.info("Queue '{}' item {}: {}", ctx.queue(), ctx.id(), ctx.payload().getString("message", ""));
}
