package io.berth.cli;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.ServiceContext;
import io.berth.work.LocalWork;
import io.berth.work.WorkQueue;
import io.berth.work.WorkQueues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;

/**
 * The default app's {@code monitor} demo, off unless {@code services.monitor.enabled} is true: the hosted-services
 * doc's {@code MonitorLoop}. Each line "w" on standard input enqueues a work item on the {@code default} queue (at most
 * 100 items, an enqueue waits for room) that runs three delays of {@code step} (5 s), each ended early when the
 * item's token is cancelled, and logs whether it completed or was cancelled. The loop reads only what is ready, so it
 * stops with the host instead of waiting for a key as {@code Console.ReadKey} does.
 */
final class MonitorLoop implements BackgroundService {

  static final String TYPE = "monitor.work";
  private static final Logger log = LoggerFactory.getLogger(MonitorLoop.class);

  private final BufferedReader input;
  private final Duration step;
  private WorkQueue queue;

  MonitorLoop(BufferedReader input, Duration step) {
    this.input = input;
    this.step = step;
  }

  @Override
  public void init(ServiceContext context) {
    queue = context.feature(WorkQueues.class).orElseThrow().queue("default");
  }

  @Override
  public void execute(CancellationToken token) throws IOException {
    log.info("Monitor loop is starting: type w and Enter to add a work item to queue 'default'.");
    do {
      while (input.ready()) {
        String line = input.readLine();
        if (line == null) {
          return;
        }
        if (line.trim().equalsIgnoreCase("w")) {
          queue.enqueue(workItem()).onFailure(e -> log.warn("Work item not queued: {}", e.getMessage()));
        }
      }
    } while (token.sleep(Duration.ofMillis(100)));
  }

  private LocalWork workItem() {
    return LocalWork.of(TYPE, ctx -> {
      log.info("Queued work item {} is starting.", ctx.id());
      int delayLoop = 0;
      while (delayLoop < 3 && ctx.token().sleep(step)) {
        log.info("Queued work item {} is running. {}/3", ctx.id(), ++delayLoop);
      }
      log.info(delayLoop == 3 ? "Queued work item {} is complete." : "Queued work item {} was cancelled.", ctx.id());
    });
  }
}
