package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the work module keeps its items, from the config section {@code store}: {@code type} ({@code sqlite}, the
 * default once the section exists; {@code postgres}: a PostgreSQL server that the nodes of a cluster share; or
 * {@code memory}: nothing survives a restart).
 * <ul>
 *   <li>SQLite: {@code path} ({@code data/berth.db}) and {@code synchronous} ({@code full}, the default: an accepted
 *   item survives a power loss; {@code normal}: faster commits, and a power loss, not a crash, may undo the last
 *   accepted items).</li>
 *   <li>PostgreSQL: {@code url} ({@code postgresql://host:port/database}), {@code user}, {@code password},
 *   {@code poolSize} (4), {@code pollInterval} (1 s: the fallback poll for a missed wake-up), {@code leaseTime}
 *   (30 s: how long a node that stopped answering keeps its running items), {@code connectTimeout} (5 s). A
 *   {@code ${ENV_NAME}} reference in {@code url}, {@code user} or {@code password} is replaced by that environment
 *   variable, as in the token config; the password is never logged nor shown.</li>
 * </ul>
 */
public final class StoreOptions {

  /** The kinds of store. */
  public enum Type { SQLITE, POSTGRES, MEMORY }

  private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private Type type = Type.SQLITE;
  private Path path = Path.of("data", "berth.db");
  private boolean fullSync = true;
  private String url;
  private String user;
  private String password;
  private int poolSize = 4;
  private Duration pollInterval = Duration.ofSeconds(1);
  private Duration leaseTime = Duration.ofSeconds(30);
  private Duration connectTimeout = Duration.ofSeconds(5);

  /** The SQLite store at {@code data/berth.db}, {@code synchronous=FULL}. */
  public StoreOptions() {
  }

  /** The in-memory store: nothing survives a restart (tests, throw-away work). */
  public static StoreOptions memory() {
    return new StoreOptions().type(Type.MEMORY);
  }

  /** The PostgreSQL store at {@code url} ({@code postgresql://host:port/database}) as {@code user}. */
  public static StoreOptions postgres(String url, String user, String password) {
    StoreOptions o = new StoreOptions().type(Type.POSTGRES);
    o.url = checkUrl("store.url", url);
    o.user = user;
    o.password = password;
    return o;
  }

  /**
   * Overrides these options with the keys set in {@code section} ({@code store}), validating each; {@code ${ENV}}
   * references are resolved from the process environment.
   */
  public StoreOptions read(ConfigReader section) {
    return read(section, System.getenv());
  }

  /** As {@link #read(ConfigReader)}, resolving {@code ${ENV}} references from {@code env}. */
  public StoreOptions read(ConfigReader section, Map<String, String> env) {
    type = section.choice("type", type, Map.of("sqlite", Type.SQLITE, "postgres", Type.POSTGRES,
        "memory", Type.MEMORY));
    String p = section.string("path", path.toString());
    if (p.isBlank()) {
      throw new ConfigException(section.key("path"), "must be a file path, such as data/berth.db");
    }
    path = Path.of(p);
    fullSync = section.choice("synchronous", fullSync, Map.of("full", true, "normal", false));
    String u = section.string("url", null);
    if (u != null) {
      url = checkUrl(section.key("url"), resolve(section.key("url"), u, env));
    }
    String us = section.string("user", null);
    if (us != null) {
      user = resolve(section.key("user"), us, env);
    }
    String pw = section.string("password", null);
    if (pw != null) {
      password = resolve(section.key("password"), pw, env);
    }
    poolSize = section.integer("poolSize", poolSize, 1, 64);
    pollInterval = section.duration("pollInterval", pollInterval, Duration.ofMillis(10));
    leaseTime = section.duration("leaseTime", leaseTime, Duration.ofMillis(500));
    connectTimeout = section.duration("connectTimeout", connectTimeout, Duration.ofMillis(100));
    if (type == Type.POSTGRES) {
      if (url == null) {
        throw new ConfigException(section.key("url"), "is required with \"type\": \"postgres\": the server's"
            + " postgresql://host:port/database");
      }
    }
    return this;
  }

  /**
   * The PostgreSQL server of a {@code postgres} store as the store connects to it ({@code url}, {@code user},
   * {@code password}); null for another type. A new object on each call: callers add their own properties.
   */
  public PgConnectOptions postgresConnection() {
    if (type != Type.POSTGRES) {
      return null;
    }
    PgConnectOptions connect;
    try {
      connect = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new ConfigException("store.url", "must be a PostgreSQL URL such as postgresql://db.example.com:5432/berth");
    }
    if (user != null && !user.isBlank()) {
      connect.setUser(user);
    }
    if (password != null) {
      connect.setPassword(password);
    }
    return connect;
  }

  /**
   * A {@code postgres} store: connects once and disconnects, so that a wrong URL, user or password is a config error
   * naming its key before anything else starts (a clustered node checks it before it joins); never names the
   * password. Other types: nothing to check.
   */
  public Future<Void> probe(Vertx vertx) {
    return type == Type.POSTGRES ? PostgresDatabase.probe(vertx, this) : Future.succeededFuture();
  }

  /** Replaces {@code ${NAME}} references by the environment's values; an unset variable names {@code key}. */
  private static String resolve(String key, String value, Map<String, String> env) {
    Matcher m = REF.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      if (v == null) {
        throw new ConfigException(key, "refers to the environment variable " + m.group(1) + ", which is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A {@code postgresql://host[:port]/database} URL; the message never repeats it (it may hold a password). */
  private static String checkUrl(String key, String url) {
    String problem = "must be a PostgreSQL URL such as postgresql://db.example.com:5432/berth";
    try {
      URI uri = new URI(url);
      if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
        throw new ConfigException(key, problem);
      }
      if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
        throw new ConfigException(key, problem + " (a host and a database name)");
      }
    } catch (URISyntaxException e) {
      throw new ConfigException(key, problem);
    }
    return url;
  }

  public Type type() {
    return type;
  }

  public StoreOptions type(Type type) {
    this.type = Objects.requireNonNull(type);
    return this;
  }

  public Path path() {
    return path;
  }

  /** The SQLite file; its folder also holds {@code tmp/}, where the native library is extracted. */
  public StoreOptions path(Path path) {
    this.path = Objects.requireNonNull(path);
    return this;
  }

  public boolean fullSync() {
    return fullSync;
  }

  /** {@code synchronous=FULL} (true, the default) or {@code NORMAL}. */
  public StoreOptions fullSync(boolean fullSync) {
    this.fullSync = fullSync;
    return this;
  }

  /** The PostgreSQL server's URL (may carry credentials: never log it; see {@link PostgresDatabase}). */
  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  /** The PostgreSQL password (null: none); a secret. */
  public String password() {
    return password;
  }

  public int poolSize() {
    return poolSize;
  }

  /** Connections to the PostgreSQL server (1 to 64). */
  public StoreOptions poolSize(int poolSize) {
    if (poolSize < 1 || poolSize > 64) {
      throw new IllegalArgumentException("poolSize must be 1 to 64");
    }
    this.poolSize = poolSize;
    return this;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  /** The fallback poll of a shared store (a missed wake-up; a delayed item's time came on another node). */
  public StoreOptions pollInterval(Duration pollInterval) {
    this.pollInterval = Objects.requireNonNull(pollInterval);
    return this;
  }

  public Duration leaseTime() {
    return leaseTime;
  }

  /** How long a claimed item's lease lasts unless its node renews it (every third of it). */
  public StoreOptions leaseTime(Duration leaseTime) {
    this.leaseTime = Objects.requireNonNull(leaseTime);
    return this;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public StoreOptions connectTimeout(Duration connectTimeout) {
    this.connectTimeout = Objects.requireNonNull(connectTimeout);
    return this;
  }

  @Override
  public String toString() {
    return "StoreOptions[" + type.name().toLowerCase(java.util.Locale.ROOT) + "]";
  }
}
