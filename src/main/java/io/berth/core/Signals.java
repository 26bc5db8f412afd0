package io.berth.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Handles SIGTERM and SIGINT ourselves, as .NET's console lifetime does, so the JVM does not begin its own shutdown
 * (which would exit 143) and the process exits with the host's own status once the graceful stop is done.
 */
final class Signals {

  private static final Logger log = LoggerFactory.getLogger(Signals.class);

  private Signals() {
  }

  static void onTermination(Runnable stop) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), sig -> {
          log.info("Received SIG{}: stopping gracefully", name);
          stop.run();
        });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        log.debug("Cannot handle SIG{} here ({}); the shutdown hook stops the host instead", name, e.getMessage());
      }
    }
  }
}
