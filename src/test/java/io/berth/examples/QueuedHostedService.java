package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.ServiceContext;
import io.berth.work.FullMode;
import io.berth.work.LocalWork;
import io.berth.work.QueueOptions;
import io.berth.work.WorkQueue;
import io.berth.work.WorkQueues;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Duration;

/**
 * Twin of the hosted-services doc's queued background tasks: {@code QueuedHostedService} draining an
 * {@code IBackgroundTaskQueue} (a bounded {@code Channel} of capacity 100, {@code BoundedChannelFullMode.Wait}), and
 * {@code MonitorLoop}, which enqueues a work item when W is pressed; the item runs three 5-second delays that honour
 * its token and logs whether it completed or was cancelled. In Berth the queue and its consumer are
 * {@link #queue}; the item is {@link #workItem}; {@link MonitorLoop} reads lines ("w") rather than keys. The
 * original's pitfall: {@code Console.ReadKey} blocks, so {@code MonitorLoop} cannot stop until a key is pressed; this
 * loop only reads what is ready and ends with its token. The jar runs the same loop as its {@code monitor} demo.
 */
public final class QueuedHostedService {

  private static final Logger log = LoggerFactory.getLogger(QueuedHostedService.class);

  private QueuedHostedService() {
  }

  /** The channel and the service that drains it: at most 100 items, and an enqueue waits for room when full. */
  public static QueueOptions queue(String name) {
    return new QueueOptions(name).capacity(100).fullMode(FullMode.WAIT);
  }

  /** {@code BuildWorkItemAsync}: three delays of {@code step} (5 s in the doc), each ended early by cancellation. */
  public static LocalWork workItem(Duration step) {
    return LocalWork.of("work-item", ctx -> {
      log.info("Queued work item {} is starting.", ctx.id());
      int delayLoop = 0;
      while (delayLoop < 3 && ctx.token().sleep(step)) {
        log.info("Queued work item {} is running. {}/3", ctx.id(), ++delayLoop);
      }
      log.info(delayLoop == 3 ? "Queued work item {} is complete." : "Queued work item {} was cancelled.", ctx.id());
    });
  }

  /** {@code MonitorLoop}: each line "w" enqueues a work item on queue {@code queue}. */
  public static final class MonitorLoop implements BackgroundService {
    private final BufferedReader input;
    private final String queue;
    private final Duration step;
    private WorkQueue items;

    public MonitorLoop(BufferedReader input, String queue, Duration step) {
      this.input = input;
      this.queue = queue;
      this.step = step;
    }

    @Override
    public void init(ServiceContext context) {
      items = context.feature(WorkQueues.class).orElseThrow().queue(queue);
    }

    @Override
    public void execute(CancellationToken token) throws IOException {
      log.info("MonitorLoop is starting: type w and Enter to add a work item.");
      do {
        while (input.ready()) {
          String line = input.readLine();
          if (line == null) {
            return;
          }
          if (line.trim().equalsIgnoreCase("w")) {
            items.enqueue(workItem(step)).onFailure(e -> log.warn("Work item not queued: {}", e.getMessage()));
          }
        }
      } while (token.sleep(Duration.ofMillis(100)));
    }
  }
}
