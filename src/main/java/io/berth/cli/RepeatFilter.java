package io.berth.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The jar's logging ({@code logback.xml}): lets an event through once, then drops the same event (logger, level and
 * formatted message) for {@link #setQuietMillis quietMillis} (10 s by default). A send to a peer that just died is
 * refused once per message until the cluster notices the node left: one line says it.
 */
public final class RepeatFilter extends Filter<ILoggingEvent> {

  private static final int KEEP = 64;

  private long quietMillis = 10_000;
  private final Map<String, Long> last = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
      return size() > KEEP;
    }
  };

  /** How long the same event is dropped after it was let through. */
  public void setQuietMillis(long quietMillis) {
    this.quietMillis = quietMillis;
  }

  @Override
  public FilterReply decide(ILoggingEvent event) {
    String key = event.getLoggerName() + '|' + event.getLevel() + '|' + event.getFormattedMessage();
    long now = event.getTimeStamp();
    synchronized (last) {
      Long before = last.get(key);
      if (before != null && now - before < quietMillis) {
        return FilterReply.DENY;
      }
      last.put(key, now);
    }
    return FilterReply.NEUTRAL;
  }
}
