package io.berth.work;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.berth.host.Host;
import io.berth.core.HostOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.berth.config.ConfigReader;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Helpers for the work tests: a started host on the test's Vert.x, blocking waits with a bound, captured logs. */
final class WorkTesting {

  private WorkTesting() {
  }

  static Host startHost(Vertx vertx, Duration shutdownTimeout, Consumer<Host.Builder> configure) {
    Host.Builder b = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(shutdownTimeout));
    configure.accept(b);
    Host host = b.build();
    await(host.start());
    return host;
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not succeed: " + e, e);
    }
  }

  /** The failure of {@code f}, which must fail within 30s. */
  static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
    throw new AssertionError("future succeeded, a failure was expected");
  }

  /** Captures the log events of {@code type}'s logger until {@link Capture#close()}. */
  static Capture capture(Class<?> type) {
    return capture(type.getName());
  }

  /** Captures the log events of the logger named {@code name} (a Vert.x one, say) until {@link Capture#close()}. */
  static Capture capture(String name) {
    return new Capture((Logger) LoggerFactory.getLogger(name));
  }

  static final class Capture implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    Capture(Logger logger) {
      this.logger = logger;
      appender.start();
      logger.addAppender(appender);
    }

    List<String> messages() {
      // AppenderBase.doAppend holds the appender's monitor while it adds to the list: read under the same one.
      synchronized (appender) {
        return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      }
    }

    @Override
    public void close() {
      logger.detachAppender(appender);
    }
  }

  /**
   * Runs {@code test} against a host configured by {@code configure}, once with the memory store and once with an
   * SQLite file in {@code dir}; a failure names the store.
   */
  static void bothStores(Vertx vertx, java.nio.file.Path dir, java.util.function.Consumer<Host.Builder> configure,
                         java.util.function.Consumer<Host> test) {
    for (boolean durable : List.of(false, true)) {
      JsonObject config = new JsonObject();
      if (durable) {
        config.put("store", new JsonObject().put("path", dir.resolve("s" + System.nanoTime() + ".db").toString()));
      }
      Host.Builder b = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(2)))
          .config(ConfigReader.of(config));
      configure.accept(b);
      Host host = b.build();
      await(host.start());
      try {
        test.accept(host);
      } catch (AssertionError e) {
        throw new AssertionError((durable ? "sqlite" : "memory") + " store: " + e.getMessage(), e);
      } finally {
        await(host.stop());
      }
    }
  }
}
