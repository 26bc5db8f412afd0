package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.PeriodicTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Twin of {@code BackgroundServiceTest_A} and its {@code LongTermTask()}, from the article on background services that
 * block the start: the loop's first iteration does 30 s of synchronous work ({@code Thread.Sleep(30000)}) before its
 * first {@code await}, and since .NET runs {@code ExecuteAsync} on the startup path until that first await, the
 * services after it and the web server wait 30 s. The article's fix wraps the loop in
 * {@code Task.Factory.StartNew(..., TaskCreationOptions.LongRunning)}, then rewrites it with a {@code PeriodicTimer}.
 * In Berth the direct version is already safe: {@code execute} runs on a thread of its own, never on the startup path,
 * so no fix is needed; {@link #periodic} is the {@code PeriodicTimer} version.
 */
public final class BackgroundServiceTest_A implements BackgroundService {

  private static final Logger log = LoggerFactory.getLogger(BackgroundServiceTest_A.class);
  private final Runnable work;

  /** {@code work}: the synchronous body of {@code LongTermTask()}, 30 s of it in the article. */
  public BackgroundServiceTest_A(Runnable work) {
    this.work = work;
  }

  @Override
  public void execute(CancellationToken token) {
    while (!token.isCancellationRequested()) {
      longTermTask();
      token.sleep(Duration.ofSeconds(1));
    }
  }

  /** The {@code PeriodicTimer} version: one {@code LongTermTask()} per tick. */
  public BackgroundService periodic(Duration period) {
    return token -> {
      PeriodicTimer timer = new PeriodicTimer(period);
      while (timer.waitForNextTick(token)) {
        longTermTask();
      }
    };
  }

  private void longTermTask() {
    log.info("LongTermTask start");
    work.run();
    log.info("LongTermTask end");
  }
}
