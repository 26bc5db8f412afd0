package io.berth.cluster;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceKind;
import io.berth.core.SingletonLeases;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.berth.core.internal.Failures;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster as a host module, on a clustered Vert.x: the {@link ClusterNodes} feature (members, node events,
 * {@code GET /api/v1/nodes}) and, with a PostgreSQL database for the leases, the {@link SingletonLeases} feature
 * that one-node-only services run under. Its service {@code cluster} starts before the application's services and
 * stops after them, so every singleton has stopped and given its lease up before the leases close.
 */
public final class ClusterModule implements HostModule {

  private static final Logger log = LoggerFactory.getLogger(ClusterModule.class);
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private final ClusterOptions options;
  private final HazelcastClusterManager manager;
  private final PgConnectOptions leaseDatabase;
  private ClusterNodes nodes;
  private PgSingletonLeases leases;
  private SplitWatch splitWatch;
  private Pool pool;

  /**
   * The cluster module of a Vert.x clustered by {@code manager}; {@code leaseDatabase} (may be null: no singletons)
   * is the shared PostgreSQL database where singleton leases live.
   */
  public ClusterModule(ClusterOptions options, HazelcastClusterManager manager, PgConnectOptions leaseDatabase) {
    this.options = Objects.requireNonNull(options);
    this.manager = Objects.requireNonNull(manager);
    this.leaseDatabase = leaseDatabase;
  }

  /**
   * The PostgreSQL database of the {@code store} section when {@code store.type} is {@code postgres}, else null:
   * {@code store.url} ({@code postgresql://host:port/database}), {@code store.user}, {@code store.password}; a
   * {@code ${ENV}} reference in any of them is read from the environment.
   */
  public static PgConnectOptions storeDatabase(ConfigReader store, Map<String, String> env) {
    String type = store.string("type", null);
    if (type == null || !type.trim().equalsIgnoreCase("postgres")) {
      return null;
    }
    String url = resolve(store, "url", store.requiredString("url"), env);
    PgConnectOptions o;
    try {
      o = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      throw new ConfigException(store.key("url"), "must be a PostgreSQL URL such as"
          + " postgresql://db.example:5432/berth");
    }
    String user = store.string("user", null);
    if (user != null) {
      o.setUser(resolve(store, "user", user, env));
    }
    String password = store.string("password", null);
    if (password != null) {
      o.setPassword(resolve(store, "password", password, env));
    }
    return o;
  }

  /**
   * Connects once to {@code database} and disconnects, within {@code timeout} plus 10 s: before a node joins the cluster, so
   * that a wrong URL, user or password is a config error naming its key ({@code store.url}, {@code store.user},
   * {@code store.password}) rather than a node that joins and leaves. Never names the password.
   */
  public static Future<Void> probe(Vertx vertx, PgConnectOptions database, Duration timeout) {
    String where = "postgresql://" + database.getHost() + ":" + database.getPort() + "/" + database.getDatabase();
    // As the store's own open: the connect timeout plus 10 s, for a server that is slow to answer under load.
    return PgConnection.connect(vertx, database).compose(c -> c.close())
        .timeout(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(refused(e, where, database.getUser(), timeout)));
  }

  private static ConfigException refused(Throwable e, String where, String user, Duration timeout) {
    if (e instanceof PgException pg) {
      String state = String.valueOf(pg.getSqlState());
      return switch (state) {
        case "28P01" -> new ConfigException("store.password", "PostgreSQL at " + where + " refused the password of"
            + " user '" + user + "'");
        case "28000" -> new ConfigException("store.user", "PostgreSQL at " + where + " refused user '" + user + "': "
            + pg.getErrorMessage());
        case "3D000" -> new ConfigException("store.url", "PostgreSQL at " + where + " has no such database: "
            + pg.getErrorMessage() + "; create it or fix the URL");
        default -> new ConfigException("store.url", "PostgreSQL at " + where + " refused the connection: "
            + pg.getErrorMessage() + " (SQLSTATE " + state + ")");
      };
    }
    if (Failures.isTimeout(e)) {
      return new ConfigException("store.url", "PostgreSQL at " + where + " gave no connection within "
          + (timeout.toMillis() + 10_000) + " ms (store.connectTimeout + 10 s); check the host, the port and the"
          + " network");
    }
    return new ConfigException("store.url", "cannot reach PostgreSQL at " + where + ": " + Failures.message(e));
  }

  private static String resolve(ConfigReader section, String key, String value, Map<String, String> env) {
    Matcher m = ENV_REF.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String v = env.get(m.group(1));
      if (v == null) {
        throw new ConfigException(section.key(key), "names environment variable " + m.group(1) + ", which is not set");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * True once this node found itself split off the cluster by a pause of its own (see {@link SplitWatch}): it
   * stopped, and its exit code is 1 so that a supervisor starts it again.
   */
  public boolean splitOff() {
    return splitWatch != null && splitWatch.splitOff();
  }

  /** The members' view and {@code GET /api/v1/nodes}; available once the host is built. */
  public ClusterNodes nodes() {
    return nodes;
  }

  @Override
  public void register(ModuleContext context) {
    String nodeId = manager.getNodeId();
    if (leaseDatabase != null) {
      pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(leaseDatabase)
          .using(context.vertx()).build();
      leases = new PgSingletonLeases(context.vertx(), pool, nodeId, options.ttl(), options.renewInterval());
      context.provide(SingletonLeases.class, leases);
    }
    nodes = new ClusterNodes(context.vertx(), manager.getHazelcastInstance(), nodeId, context.host().events(), leases);
    splitWatch = new SplitWatch(context.vertx(), manager.getHazelcastInstance(),
        () -> context.host().lifetime().stopApplication());
    context.provide(ClusterNodes.class, nodes);
    context.service("cluster", ServiceKind.HOSTED, ModuleContext.Placement.FIRST, new HostedService() {
      @Override
      public Future<Void> start(ServiceContext ctx) {
        if (leases == null) {
          log.warn("The cluster has no PostgreSQL store (store.type: postgres): timed services run on every node,"
              + " and no service can be a singleton");
        }
        Future<Void> started = nodes.start();
        if (leases != null) {
          started = started.compose(v -> leases.start().recover(e -> Future.failedFuture(new ConfigException(
              "store.url", "the singleton leases' database could not be reached: " + e.getMessage()))));
        }
        return started.onSuccess(v -> {
          splitWatch.start();
          log.info("Node {} in cluster '{}': {} member(s): {}", nodeId, options.name(), nodes.members().size(),
              String.join(", ", nodes.members()));
        });
      }

      @Override
      public Future<Void> stop(ServiceContext ctx) {
        splitWatch.stop();
        Future<Void> closed = leases == null ? Future.succeededFuture() : leases.close();
        return closed.compose(v -> nodes.stop()).eventually(() -> pool == null ? Future.succeededFuture()
            : pool.close());
      }
    });
  }
}
