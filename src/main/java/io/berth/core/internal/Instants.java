package io.berth.core.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Instants as the admin API and the events show them: ISO-8601 in UTC, always with exactly three fraction digits. */
public final class Instants {

  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private Instants() {
  }

  /** {@code 2026-01-02T03:04:05.678Z}; null for null. */
  public static String iso(Instant instant) {
    return instant == null ? null : MILLIS.format(instant);
  }
}
