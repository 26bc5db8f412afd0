package io.berth.token;

import io.vertx.core.json.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Replaces every known secret, as given, URL-encoded or JSON-escaped, with {@code ***} in text bound for a log, an
 * answer or an event.
 */
final class Redactor {

  static final String MASK = "***";

  private final Set<String> secrets;
  private final List<String> forms;

  Redactor(Set<String> secrets) {
    this.secrets = Set.copyOf(secrets.stream().filter(s -> s != null && !s.isEmpty()).toList());
    Set<String> all = new LinkedHashSet<>();
    for (String s : this.secrets) {
      all.add(s);
      // Upstreams and exceptions may echo a secret the way it travelled in a query string, a form or JSON.
      all.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
      all.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
      String json = Json.encode(s);
      all.add(json.substring(1, json.length() - 1));
    }
    // Longest first, so that a secret containing another is masked whole.
    this.forms = all.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
  }

  /** This redactor masking {@code more} as well (null values are ignored). */
  Redactor with(String... more) {
    Set<String> all = new LinkedHashSet<>(secrets);
    for (String s : more) {
      if (s != null) {
        all.add(s);
      }
    }
    return new Redactor(all);
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
