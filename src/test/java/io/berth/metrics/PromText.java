package io.berth.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text format (0.0.4) for the tests: every line is a comment ({@code # HELP},
 * {@code # TYPE}) or a sample {@code name{label="value",...} number}; anything else fails the parse.
 */
final class PromText {

  record Sample(String name, Map<String, String> labels, double value) {
  }

  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: -?\\d+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
      + "(counter|gauge|histogram|summary|untyped)");

  final List<Sample> samples = new ArrayList<>();
  final Map<String, String> types = new LinkedHashMap<>();

  static PromText parse(String text) {
    PromText p = new PromText();
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (line.isEmpty() || line.startsWith("# HELP ")) {
        continue;
      }
      if (line.startsWith("#")) {
        Matcher t = TYPE.matcher(line);
        if (!t.matches()) {
          throw new IllegalArgumentException("line " + n + ": not a TYPE comment: " + line);
        }
        p.types.put(t.group(1), t.group(2));
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("line " + n + ": not a sample: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null && !m.group(2).isEmpty()) {
        Matcher l = LABEL.matcher(m.group(2));
        int end = 0;
        while (l.find() && l.start() == end) {
          labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
          end = l.end();
        }
        if (end != m.group(2).length()) {
          throw new IllegalArgumentException("line " + n + ": bad labels: " + line);
        }
      }
      p.samples.add(new Sample(m.group(1), labels, value(m.group(3), n)));
    }
    return p;
  }

  private static double value(String s, int line) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> {
        try {
          yield Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("line " + line + ": bad value " + s, e);
        }
      }
    };
  }

  /** Samples named {@code name} whose labels include every pair of {@code labels} (name, value, ...). */
  List<Sample> find(String name, String... labels) {
    List<Sample> found = new ArrayList<>();
    for (Sample s : samples) {
      if (s.name().equals(name) && matches(s, labels)) {
        found.add(s);
      }
    }
    return found;
  }

  /** The value of the one sample named {@code name} with {@code labels}; fails when there is none or several. */
  double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " samples " + name + " " + String.join(",", labels) + ": " + found);
    }
    return found.get(0).value();
  }

  boolean has(String prefix) {
    return samples.stream().anyMatch(s -> s.name().startsWith(prefix));
  }

  private static boolean matches(Sample s, String[] labels) {
    for (int i = 0; i + 1 < labels.length; i += 2) {
      if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
        return false;
      }
    }
    return true;
  }
}
