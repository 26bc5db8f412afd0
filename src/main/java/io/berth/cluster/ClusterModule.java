package io.berth.cluster;

import io.berth.config.ConfigException;
import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceKind;
import io.berth.core.SingletonLeases;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * The cluster as a host module, on a clustered Vert.x: the {@link ClusterNodes} feature (members, node events,
 * {@code GET /api/v1/nodes}) and, with a PostgreSQL database for the leases, the {@link SingletonLeases} feature
 * that one-node-only services run under. Its service {@code cluster} starts before the application's services and
 * stops after them, so every singleton has stopped and given its lease up before the leases close.
 */
public final class ClusterModule implements HostModule {

  private static final Logger log = LoggerFactory.getLogger(ClusterModule.class);

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
