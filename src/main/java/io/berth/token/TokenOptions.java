package io.berth.token;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One token source, read from {@code tokens.<name>}: where and how to fetch the token, which response fields hold
 * it and its lifetime, and when to refresh it. A {@code ${ENV_NAME}} reference in any string value (the {@code url}
 * included) is replaced by that environment variable. Every value of the request ({@code query}, {@code headers},
 * {@code form}, {@code json}), literal or resolved, and every value resolved from the environment counts as a
 * secret, as does the fetched token: masked in logs, admin answers and events. A reference to an unset variable is
 * a {@link ConfigException} naming the key.
 *
 * <pre>{@code
 * "tokens": { "wechat": {
 *   "url": "https://api.weixin.qq.com/cgi-bin/token",
 *   "query": { "grant_type": "client_credential", "appid": "${WECHAT_APPID}", "secret": "${WECHAT_SECRET}" },
 *   "refreshBefore": "5m"
 * } }
 * }</pre>
 */
public final class TokenOptions {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final String name;
  private final String url;
  private final HttpMethod method;
  private final Map<String, String> query;
  private final Map<String, String> headers;
  private final JsonObject json;
  private final Map<String, String> form;
  private final String tokenField;
  private final String expiresField;
  private final Duration refreshBefore;
  private final Duration startTimeout;
  private final Duration requestTimeout;
  private final Duration defaultLifetime;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Set<String> secrets;

  private TokenOptions(Builder b) {
    this.name = b.name;
    this.url = b.url;
    this.method = b.method;
    this.query = Collections.unmodifiableMap(new LinkedHashMap<>(b.query));
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
    this.json = b.json == null ? null : b.json.copy();
    this.form = b.form == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(b.form));
    this.tokenField = b.tokenField;
    this.expiresField = b.expiresField;
    this.refreshBefore = b.refreshBefore;
    this.startTimeout = b.startTimeout;
    this.requestTimeout = b.requestTimeout;
    this.defaultLifetime = b.defaultLifetime;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    Set<String> all = new LinkedHashSet<>(b.secrets);
    // Every value of the request is a secret, whether written literally or taken from ${ENV}: an upstream may echo
    // any of them (an appid, a client secret) in an error body.
    query.values().forEach(v -> addSecret(all, v));
    headers.values().forEach(v -> addSecret(all, v));
    if (form != null) {
      form.values().forEach(v -> addSecret(all, v));
    }
    if (json != null) {
      addSecrets(all, json);
    }
    this.secrets = Collections.unmodifiableSet(all);
  }

  /**
   * Values shorter than this are not masked: no secret is that short, and masking "1" or "GET" would garble every
   * message.
   */
  static final int MIN_SECRET_LENGTH = 4;

  private static void addSecret(Set<String> secrets, String value) {
    if (value != null && value.length() >= MIN_SECRET_LENGTH) {
      secrets.add(value);
    }
  }

  private static void addSecrets(Set<String> secrets, Object value) {
    if (value instanceof JsonObject o) {
      o.forEach(e -> addSecrets(secrets, e.getValue()));
    } else if (value instanceof JsonArray a) {
      a.forEach(v -> addSecrets(secrets, v));
    } else if (value instanceof String || value instanceof Number) {
      addSecret(secrets, String.valueOf(value));
    }
  }

  /**
   * Reads the token {@code name} from its section {@code tokens.<name>}, resolving {@code ${ENV}} references from
   * {@code env} (pass {@code System.getenv()} in production).
   *
   * @throws ConfigException naming the key of the first invalid value or unset variable
   */
  public static TokenOptions from(String name, ConfigReader section, Map<String, String> env) {
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException(section.path(), "a token name must be 1 to 64 letters, digits, '-' or '_'");
    }
    Builder b = new Builder(name);
    Resolver r = new Resolver(env, b.secrets);
    b.url = r.resolve(section.key("url"), section.requiredString("url"));
    checkUrl(section.key("url"), b.url, b.secrets);
    b.method = section.choice("method", HttpMethod.GET, Map.of("GET", HttpMethod.GET, "POST", HttpMethod.POST));
    b.query = r.strings(section.key("query"), section.rawObject("query"));
    b.headers = r.strings(section.key("headers"), section.rawObject("headers"));
    boolean hasJson = section.has("json");
    boolean hasForm = section.has("form");
    JsonObject json = section.rawObject("json");
    JsonObject form = section.rawObject("form");
    if (hasJson && hasForm) {
      throw new ConfigException(section.key("form"), "a token request has one body: set either json or form, not both");
    }
    if ((hasJson || hasForm) && b.method != HttpMethod.POST) {
      throw new ConfigException(section.key(hasJson ? "json" : "form"), "a request body needs \"method\": \"POST\"");
    }
    if (hasJson) {
      b.json = (JsonObject) r.deep(section.key("json"), json);
    }
    if (hasForm) {
      b.form = r.strings(section.key("form"), form);
    }
    b.tokenField = section.string("tokenField", "access_token");
    b.expiresField = section.string("expiresField", "expires_in");
    b.refreshBefore = section.duration("refreshBefore", Duration.ofMinutes(5), Duration.ZERO);
    b.startTimeout = section.duration("startTimeout", Duration.ofSeconds(10), Duration.ofMillis(1));
    b.requestTimeout = section.duration("requestTimeout", Duration.ofSeconds(10), Duration.ofMillis(1));
    b.defaultLifetime = section.duration("defaultLifetime", null, Duration.ofSeconds(1));
    ConfigReader retry = section.section("retry");
    b.initialBackoff = retry.duration("initialBackoff", Duration.ofSeconds(1), Duration.ofMillis(1));
    b.maxBackoff = retry.duration("maxBackoff", Duration.ofMinutes(5), Duration.ofMillis(1));
    if (b.maxBackoff.compareTo(b.initialBackoff) < 0) {
      throw new ConfigException(retry.key("maxBackoff"), "must be at least retry.initialBackoff");
    }
    return new TokenOptions(b);
  }

  /** A builder for tokens configured in code; values are taken as given (no {@code ${ENV}} resolution). */
  public static Builder builder(String name, String url) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a token name must be 1 to 64 letters, digits, '-' or '_', not '" + name + "'");
    }
    Builder b = new Builder(name);
    b.url = url;
    return b;
  }

  public String name() {
    return name;
  }

  /** The URL as configured, secrets included: never log it; see {@link #displayUrl()}. */
  public String url() {
    return url;
  }

  /** The URL without its query string, safe to log. */
  public String displayUrl() {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?...";
  }

  public HttpMethod method() {
    return method;
  }

  public Map<String, String> query() {
    return query;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** The JSON body, or null. */
  public JsonObject json() {
    return json == null ? null : json.copy();
  }

  /** The form body, or null. */
  public Map<String, String> form() {
    return form;
  }

  public String tokenField() {
    return tokenField;
  }

  public String expiresField() {
    return expiresField;
  }

  public Duration refreshBefore() {
    return refreshBefore;
  }

  public Duration startTimeout() {
    return startTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** The lifetime assumed when the response has no expiry field; null makes a missing field an error. */
  public Duration defaultLifetime() {
    return defaultLifetime;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  /**
   * What is masked in logs, answers and events: every value of the request (query, headers, form, json) of at least
   * {@value #MIN_SECRET_LENGTH} characters, every value resolved from the environment and every declared secret.
   */
  Set<String> secrets() {
    return secrets;
  }

  /**
   * How long after a fetch to refresh a token valid for {@code lifetime}: {@code refreshBefore} ahead of expiry,
   * but never later than 80% of the lifetime (and at 80% when refreshBefore is not shorter than the lifetime).
   */
  Duration refreshDelay(Duration lifetime) {
    long life = lifetime.toMillis();
    long cap = life * 4 / 5;
    long ahead = life - refreshBefore.toMillis();
    return Duration.ofMillis(Math.max(1, ahead <= 0 ? cap : Math.min(ahead, cap)));
  }

  private static void checkUrl(String key, String url, Set<String> secrets) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        throw new ConfigException(key, "must be an absolute http or https URL");
      }
    } catch (URISyntaxException e) {
      // The message quotes the URL, which may hold a resolved secret.
      throw new ConfigException(key, "is not a valid URL: " + new Redactor(secrets).redact(e.getReason()));
    }
  }

  /** Builds {@link TokenOptions} in code. */
  public static final class Builder {
    private final String name;
    private String url;
    private HttpMethod method = HttpMethod.GET;
    private Map<String, String> query = new LinkedHashMap<>();
    private Map<String, String> headers = new LinkedHashMap<>();
    private JsonObject json;
    private Map<String, String> form;
    private String tokenField = "access_token";
    private String expiresField = "expires_in";
    private Duration refreshBefore = Duration.ofMinutes(5);
    private Duration startTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration defaultLifetime;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofMinutes(5);
    private final Set<String> secrets = new LinkedHashSet<>();

    private Builder(String name) {
      this.name = name;
    }

    public Builder method(HttpMethod method) {
      this.method = method;
      return this;
    }

    public Builder query(String key, String value) {
      query.put(key, value);
      return this;
    }

    public Builder form(String key, String value) {
      if (form == null) {
        form = new LinkedHashMap<>();
      }
      form.put(key, value);
      return this;
    }

    public Builder json(JsonObject json) {
      this.json = json;
      return this;
    }

    public Builder header(String key, String value) {
      headers.put(key, value);
      return this;
    }

    public Builder fields(String tokenField, String expiresField) {
      this.tokenField = tokenField;
      this.expiresField = expiresField;
      return this;
    }

    public Builder refreshBefore(Duration d) {
      this.refreshBefore = d;
      return this;
    }

    public Builder startTimeout(Duration d) {
      this.startTimeout = d;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder defaultLifetime(Duration d) {
      this.defaultLifetime = d;
      return this;
    }

    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Declares a value that must never appear in a log line or an error (a client secret given in code). */
    public Builder secret(String value) {
      secrets.add(value);
      return this;
    }

    public TokenOptions build() {
      if (json != null && form != null) {
        throw new IllegalArgumentException("token '" + name + "': set either a json or a form body, not both");
      }
      return new TokenOptions(this);
    }
  }

  /** Resolves {@code ${ENV}} references, recording each resolved value (and secret-named literals) as a secret. */
  private static final class Resolver {
    private final Map<String, String> env;
    private final Set<String> secrets;

    Resolver(Map<String, String> env, Set<String> secrets) {
      this.env = env;
      this.secrets = secrets;
    }

    String resolve(String key, String value) {
      Matcher m = REF.matcher(value);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String var = m.group(1);
        String v = env.get(var);
        if (v == null) {
          throw new ConfigException(key, "refers to the environment variable " + var + ", which is not set");
        }
        if (!v.isEmpty()) {
          secrets.add(v);
        }
        m.appendReplacement(out, Matcher.quoteReplacement(v));
      }
      m.appendTail(out);
      String resolved = out.toString();
      if (looksSecret(key) && !resolved.isEmpty()) {
        secrets.add(resolved);
      }
      return resolved;
    }

    Map<String, String> strings(String key, JsonObject obj) {
      Map<String, String> out = new LinkedHashMap<>();
      for (String k : obj.fieldNames()) {
        Object v = obj.getValue(k);
        if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
          throw new ConfigException(key + "." + k, "must be a string, number or boolean");
        }
        out.put(k, resolve(key + "." + k, String.valueOf(v)));
      }
      return out;
    }

    Object deep(String key, Object v) {
      if (v instanceof String s) {
        return resolve(key, s);
      }
      if (v instanceof JsonObject o) {
        JsonObject out = new JsonObject();
        o.forEach(e -> out.put(e.getKey(), deep(key + "." + e.getKey(), e.getValue())));
        return out;
      }
      if (v instanceof JsonArray a) {
        JsonArray out = new JsonArray();
        for (int i = 0; i < a.size(); i++) {
          out.add(deep(key + "[" + i + "]", a.getValue(i)));
        }
        return out;
      }
      return v;
    }

    private static boolean looksSecret(String key) {
      String last = key.substring(key.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
      return last.contains("secret") || last.contains("password") || last.equals("authorization");
    }
  }
}
