package io.berth.service;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes the short duration form used in configuration: a positive whole number followed by one unit,
 * {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h},
 * {@code 1d}). ISO-8601 ({@code PT1H30M}) is accepted too, for durations the short form cannot express.
 */
public final class Durations {

  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final String FORMS = "a positive whole number with a unit ms, s, m, h or d (e.g. 250ms, 5s, 2m, 1h)"
      + " or an ISO-8601 duration (e.g. PT1H30M)";

  private Durations() {
  }

  /**
   * Parses {@code text} (surrounding blanks ignored, unit in any case).
   *
   * @throws IllegalArgumentException when {@code text} is not a positive duration in one of the accepted forms
   */
  public static Duration parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(text, "it is empty");
    }
    String trimmed = text.strip();
    Duration duration = trimmed.startsWith("P") || trimmed.startsWith("p") ? parseIso(trimmed) : parseShort(trimmed);
    if (duration.isNegative() || duration.isZero()) {
      throw invalid(text, "it must be positive");
    }
    return duration;
  }

  /**
   * Formats {@code duration} in the largest unit that expresses it exactly ({@code 90s}, {@code 2m}, {@code 1500ms});
   * durations with a sub-millisecond part come out as ISO-8601. {@code parse(format(d))} equals {@code d} for every
   * positive {@code d}; zero formats as {@code 0ms}.
   *
   * @throws IllegalArgumentException when {@code duration} is negative
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("Cannot format negative duration " + duration);
    }
    if (duration.getNano() % 1_000_000 != 0) {
      return duration.toString();
    }
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0ms";
    }
    if (millis % 1000 != 0) {
      return millis + "ms";
    }
    long seconds = millis / 1000;
    if (seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  private static Duration parseShort(String text) {
    Matcher m = SHORT.matcher(text.toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw invalid(text, "it is not in a known form");
    }
    try {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    } catch (ArithmeticException | NumberFormatException e) {
      throw invalid(text, "it is too large");
    }
  }

  private static Duration parseIso(String text) {
    try {
      return Duration.parse(text);
    } catch (RuntimeException e) {
      throw invalid(text, "it is not a valid ISO-8601 duration");
    }
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("Invalid duration '" + text + "': " + why + "; expected " + FORMS);
  }
}
