package io.berth.token;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** Captures every log line (all loggers) into memory, for tests that grep the log. */
final class LogCapture implements AutoCloseable {

  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture() {
    appender.start();
    root.addAppender(appender);
  }

  /** Each line's formatted message, followed by its exception messages. */
  // AppenderBase.doAppend synchronizes on the appender: copy under the same lock.
  List<String> lines() {
    List<String> out = new ArrayList<>();
    synchronized (appender) {
      for (ILoggingEvent e : new ArrayList<>(appender.list)) {
        StringBuilder sb = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
          sb.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        out.add(sb.toString());
      }
    }
    return out;
  }

  String all() {
    return String.join("\n", lines());
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
  }
}
