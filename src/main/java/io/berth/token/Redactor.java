package io.berth.token;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Replaces every known secret, as given or URL-encoded, with {@code ***} in text bound for a log or an error. */
final class Redactor {

  static final String MASK = "***";

  private final List<String> forms;

  Redactor(Set<String> secrets) {
    Set<String> all = new LinkedHashSet<>();
    for (String s : secrets) {
      if (s != null && !s.isEmpty()) {
        all.add(s);
        // Upstreams and exceptions may echo a secret the way it travelled in a query string or form.
        all.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
        all.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
      }
    }
    // Longest first, so that a secret containing another is masked whole.
    this.forms = all.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
  }

  String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String s : forms) {
      out = out.replace(s, MASK);
    }
    return out;
  }
}
