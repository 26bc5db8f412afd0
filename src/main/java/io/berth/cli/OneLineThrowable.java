package io.berth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ThrowableHandlingConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;

/**
 * The jar's logging ({@code logback.xml}, conversion word {@code %oneLineEx}) for the libraries whose warnings are
 * expected conditions of a cluster (a peer that died: connections refused, operations to a member that left): a
 * warning's exception becomes one line on the event's own line, {@code " (ConnectException: Connection refused;
 * caused by ...)"}, never a stack trace. An ERROR keeps its whole stack trace: that is not an expected condition
 * (but for one slip of Vert.x's after a peer's loss, {@link #knownAfterPeerLoss}).
 */
public final class OneLineThrowable extends ThrowableHandlingConverter {

  private final ThrowableProxyConverter full = new ThrowableProxyConverter();

  @Override
  public void start() {
    full.setContext(getContext());
    full.start();
    super.start();
  }

  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy t = event.getThrowableProxy();
    if (t == null) {
      return "";
    }
    if (event.getLevel().isGreaterOrEqual(Level.ERROR) && !knownAfterPeerLoss(t)) {
      return System.lineSeparator() + full.convert(event);
    }
    StringBuilder sb = new StringBuilder(" (");
    for (int depth = 0; t != null && depth < 4; t = t.getCause(), depth++) {
      if (depth > 0) {
        sb.append("; caused by ");
      }
      String type = t.getClassName();
      sb.append(type.substring(type.lastIndexOf('.') + 1));
      if (t.getMessage() != null) {
        sb.append(": ").append(t.getMessage().replace('\n', ' '));
      }
    }
    return sb.append(')').toString();
  }

  /**
   * Vert.x 5.0's own slip when a clustered event-bus connection to a peer that just died fails: a write (or the
   * event bus's send on that connection) completes a promise twice, and the context reports an "Unhandled
   * exception" at ERROR. Nothing is lost (the send already
   * failed); its stack trace says nothing an operator can act on.
   */
  static boolean knownAfterPeerLoss(IThrowableProxy t) {
    if (!"java.lang.IllegalStateException".equals(t.getClassName())
        || !"Promise already completed".equals(t.getMessage()) || t.getStackTraceElementProxyArray() == null) {
      return false;
    }
    for (var frame : t.getStackTraceElementProxyArray()) {
      String at = frame.getStackTraceElement().getClassName();
      if (at.startsWith("io.vertx.core.net.impl.VertxConnection")
          || at.startsWith("io.vertx.core.eventbus.impl.clustered.")) {
        return true;
      }
    }
    return false;
  }
}
