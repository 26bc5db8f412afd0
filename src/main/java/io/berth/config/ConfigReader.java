package io.berth.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads typed values out of the merged configuration once, at startup. Every read declares its key, so that
 * {@link #rejectUnknownKeys()} can refuse anything nobody asked for (a typo such as {@code shutdownTimout}) with
 * the list of keys allowed at that level. Every error is a {@link ConfigException} naming the key.
 *
 * <p>Overrides: a key {@code a.someKey} is also read from the environment variable {@code BERTH_A_SOME_KEY} and
 * from the system property {@code berth.a.someKey}; the system property wins over the environment, which wins over
 * the file. See {@link #envName(String)}.
 */
public final class ConfigReader {

  /** The application's own top-level section: read it with {@code section("app")}; Berth never refuses its keys. */
  public static final String APP = "app";

  private final JsonObject json;
  private final String path;
  private final Shared shared;

  private ConfigReader(JsonObject json, String path, Shared shared) {
    this.json = json;
    this.path = path;
    this.shared = shared;
  }

  /** A reader over {@code root} with environment and system property overrides. */
  public static ConfigReader of(JsonObject root, Map<String, String> env, Map<String, String> systemProperties) {
    return new ConfigReader(root, "", new Shared(env, systemProperties));
  }

  /** A reader over {@code root} alone, with no overrides (for code-built hosts and tests). */
  public static ConfigReader of(JsonObject root) {
    return of(root, Map.of(), Map.of());
  }

  /**
   * A fresh reader over the same file and overrides, with {@code overrides} (full key to value) on top of them and
   * nothing declared yet: for reading the whole configuration once more, apart, e.g. to validate it before a step
   * that is costly to undo (joining a cluster). Only at the root.
   */
  public ConfigReader withOverrides(Map<String, String> overrides) {
    if (!path.isEmpty()) {
      throw new IllegalStateException("withOverrides is for the root reader, not section '" + path + "'");
    }
    Map<String, String> sys = new java.util.HashMap<>(shared.sys);
    overrides.forEach((k, v) -> sys.put("berth." + k, v));
    return new ConfigReader(json, "", new Shared(shared.env, sys));
  }

  /** The environment variable that overrides {@code key}: {@code http.maxBodySize} → {@code BERTH_HTTP_MAX_BODY_SIZE}. */
  public static String envName(String key) {
    StringBuilder sb = new StringBuilder("BERTH_");
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.' || c == '-') {
        sb.append('_');
      } else if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(key.charAt(i - 1))) {
        sb.append('_').append(c);
      } else {
        sb.append(Character.toUpperCase(c));
      }
    }
    return sb.toString();
  }

  /** The dotted path of this section ("" at the root). */
  public String path() {
    return path;
  }

  /** The full key of {@code name} in this section. */
  public String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** True when the file or an override sets {@code name}. */
  public boolean has(String name) {
    return json.containsKey(name) || override(name) != null;
  }

  /** The names set in this section of the file, in file order. */
  public Set<String> names() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(json.fieldNames()));
  }

  /** A copy of this section as it stands in the file, for code that reads its own keys. */
  public JsonObject json() {
    return json.copy();
  }

  /** The sub-section {@code name} (empty when absent). */
  public ConfigReader section(String name) {
    declare(name);
    Object v = json.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be an object, not " + describe(v));
    }
    return new ConfigReader(v == null ? new JsonObject() : (JsonObject) v, key(name), shared);
  }

  public String string(String name, String def) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(source(name), "must be a string, not " + describe(v));
    }
    return s;
  }

  public String requiredString(String name) {
    String s = string(name, null);
    if (s == null || s.isBlank()) {
      throw new ConfigException(source(name), "is required and must be a non-blank string");
    }
    return s;
  }

  public boolean bool(String name, boolean def) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ConfigException(source(name), "must be true or false, not " + describe(v));
  }

  public int integer(String name, int def, int min, int max) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s && s.trim().matches("-?\\d{1,10}")) {
      n = Long.parseLong(s.trim());
    } else {
      throw new ConfigException(source(name), "must be a whole number from " + min + " to " + max + ", not " + describe(v));
    }
    if (n < min || n > max) {
      throw new ConfigException(source(name), "must be from " + min + " to " + max + ", not " + n);
    }
    return (int) n;
  }

  /** A duration in the form {@link Durations#ALLOWED}; {@code min} is the smallest value allowed. */
  public Duration duration(String name, Duration def, Duration min) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    if (!(v instanceof String s)) {
      throw new ConfigException(source(name), "must be " + Durations.ALLOWED + ", not " + describe(v));
    }
    Duration d;
    try {
      d = Durations.parse(s);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source(name), e.getMessage());
    }
    if (d.compareTo(min) < 0) {
      throw new ConfigException(source(name), "must be at least " + Durations.format(min) + ", not " + s);
    }
    return d;
  }

  /** A size such as {@code 262144}, {@code 256KiB} or {@code 1MiB}, in bytes. */
  public long bytes(String name, long def, long min, long max) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s && s.trim().matches("\\d{1,12}\\s*(B|KiB|MiB|KB|MB)?")) {
      String t = s.trim();
      String digits = t.replaceAll("\\D.*$", "");
      long unit = t.endsWith("MiB") || t.endsWith("MB") ? 1 << 20 : t.endsWith("KiB") || t.endsWith("KB") ? 1 << 10 : 1;
      n = Long.parseLong(digits) * unit;
    } else {
      throw new ConfigException(source(name), "must be a size in bytes such as 262144, 256KiB or 1MiB, not " + describe(v));
    }
    if (n < min || n > max) {
      throw new ConfigException(source(name), "must be from " + min + " to " + max + " bytes, not " + n);
    }
    return n;
  }

  /**
   * One of {@code allowed}'s names (compared ignoring case, {@code -} and {@code _}), mapped to its value.
   */
  public <T> T choice(String name, T def, Map<String, T> allowed) {
    Object v = value(name);
    if (v == null) {
      return def;
    }
    if (v instanceof String s) {
      for (Map.Entry<String, T> e : allowed.entrySet()) {
        if (normalise(e.getKey()).equals(normalise(s))) {
          return e.getValue();
        }
      }
    }
    throw new ConfigException(source(name), "must be one of " + String.join(", ", allowed.keySet()) + ", not " + describe(v));
  }

  /** {@link #choice(String, Object, Map)} over an enum, by the names given by {@code label}. */
  public <E extends Enum<E>> E choice(String name, E def, Class<E> type, Function<E, String> label) {
    Map<String, E> allowed = new LinkedHashMap<>();
    Arrays.stream(type.getEnumConstants()).forEach(e -> allowed.put(label.apply(e), e));
    return choice(name, def, allowed);
  }

  /**
   * Declares keys that the caller reads later (a service's own keys, read when it starts), so that
   * {@link #rejectUnknownKeys()} accepts them now.
   */
  public ConfigReader declare(String... names) {
    for (String name : names) {
      declare(name);
    }
    return this;
  }

  /** The raw object at {@code name}, taken whole: nothing inside it is reported as unknown. */
  public JsonObject rawObject(String name) {
    declare(name);
    shared.opaque.add(key(name));
    Object v = json.getValue(name);
    if (v != null && !(v instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be an object, not " + describe(v));
    }
    return v == null ? new JsonObject() : ((JsonObject) v).copy();
  }

  /**
   * Fails with the first key that the file sets and nobody declared, listing what is allowed at its level.
   * Call it once every part of the host has read its options. The top-level section {@value #APP} belongs to the
   * application, which reads and checks it itself: nothing in it is unknown to Berth.
   */
  public void rejectUnknownKeys() {
    if (path.isEmpty()) {
      declare(APP);
      shared.opaque.add(APP);
    }
    walk(json, path);
  }

  /** {@code BERTH_*} environment variables that no key read, for a warning: they are probably typos. */
  public Set<String> unusedEnvironmentOverrides() {
    return shared.env.keySet().stream()
        .filter(k -> k.startsWith("BERTH_") && !shared.usedEnv.contains(k))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private void walk(JsonObject obj, String at) {
    Set<String> declared = shared.declared.getOrDefault(at, Set.of());
    for (String name : obj.fieldNames()) {
      String full = at.isEmpty() ? name : at + "." + name;
      if (!declared.contains(name)) {
        String allowed = declared.isEmpty() ? "none" : String.join(", ", new TreeSet<>(declared));
        String where = at.isEmpty() ? "at the top level" : "under '" + at + "'";
        throw new ConfigException(full, "unknown key; the keys allowed " + where + " are: " + allowed);
      }
      Object v = obj.getValue(name);
      if (v instanceof JsonObject child && !shared.opaque.contains(full)) {
        walk(child, full);
      }
    }
  }

  private Object value(String name) {
    declare(name);
    String o = override(name);
    if (o != null) {
      return o;
    }
    Object v = json.getValue(name);
    if (v instanceof JsonArray) {
      throw new ConfigException(key(name), "must not be a list");
    }
    return v;
  }

  /**
   * The key for an error message, with the environment variable or system property its value came from, if any:
   * {@code http.port (from BERTH_HTTP_PORT)}.
   */
  private String source(String name) {
    String full = key(name);
    if (shared.sys.containsKey("berth." + full)) {
      return full + " (from -Dberth." + full + ")";
    }
    String env = envName(full);
    return shared.env.containsKey(env) ? full + " (from " + env + ")" : full;
  }

  private String override(String name) {
    String full = key(name);
    String sys = shared.sys.get("berth." + full);
    if (sys != null) {
      return sys;
    }
    String envName = envName(full);
    String env = shared.env.get(envName);
    if (env != null) {
      shared.usedEnv.add(envName);
    }
    return env;
  }

  private void declare(String name) {
    shared.declared.computeIfAbsent(path, p -> new LinkedHashSet<>()).add(name);
    shared.usedEnv.add(envName(key(name)));
  }

  private static String normalise(String s) {
    return s.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
  }

  private static String describe(Object v) {
    if (v instanceof String s) {
      return "\"" + s + "\"";
    }
    if (v instanceof JsonObject) {
      return "an object";
    }
    if (v instanceof JsonArray) {
      return "a list";
    }
    return String.valueOf(v);
  }

  private static final class Shared {
    final Map<String, String> env;
    final Map<String, String> sys;
    final Map<String, Set<String>> declared = new LinkedHashMap<>();
    final Set<String> opaque = new LinkedHashSet<>();
    final Set<String> usedEnv = new LinkedHashSet<>();

    Shared(Map<String, String> env, Map<String, String> sys) {
      this.env = env;
      this.sys = sys;
    }
  }
}
