package io.berth.examples;

import io.berth.service.BackgroundService;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Twin of {@code HostServiceTest_A}, the three versions of the article on starts that block. Version 1's
 * {@code StartAsync} loops forever, so the .NET host never finishes starting: the services after it never start and
 * the web server never listens. In Berth {@link Blocking} is refused: {@code start} runs on a worker thread under
 * {@code startTimeout} (30 s by default), and when that passes the host fails to start with "did not start within
 * ...ms (startTimeout) ... long-running work belongs in a BackgroundService", interrupts the start and stops what had
 * started. Versions 2 ({@code Task.Run}) and 3 ({@code LongRunning} with a linked {@code CancellationTokenSource}, for a
 * clean exit on Ctrl+C) are one Berth form, {@link #LOOP}: a background service runs on a thread of its own and its
 * token is cancelled on Ctrl+C, SIGTERM or {@code stopApplication()}.
 */
public final class HostServiceTest_A {

  private static final Logger log = LoggerFactory.getLogger(HostServiceTest_A.class);

  private HostServiceTest_A() {
  }

  /** Version 1, as the article wrote it: the start never returns. */
  public static final class Blocking implements HostedService {
    @Override
    public Future<Void> start(ServiceContext context) throws InterruptedException {
      while (true) {
        log.info("HostServiceTest_A is working");
        Thread.sleep(1000);
      }
    }
  }

  /** Versions 2 and 3: the same loop off the startup path, ending when the host stops. */
  public static final BackgroundService LOOP = token -> {
    do {
      log.info("HostServiceTest_A is working");
    } while (token.sleep(Duration.ofSeconds(1)));
    log.info("HostServiceTest_A stopped cleanly");
  };
}
