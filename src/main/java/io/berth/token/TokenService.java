package io.berth.token;

import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.BooleanSupplier;

/**
 * The hosted service {@code token:<name>} and the way to its token. Alone, or on the node of a cluster that holds the
 * token's lease, it runs a {@link TokenRefresher}; on the other nodes of a cluster (the service is a singleton
 * there, standby) the token comes from the holder through a {@link TokenClient}. A singleton may start again on this
 * node after it lost its lease, so every start but the first runs a fresh refresher; the one that starts on a
 * failover adopts the token this node had from the previous holder.
 */
final class TokenService implements HostedService {

  final TokenOptions options;
  /** Whether the service is a cluster singleton: known once the host is built. */
  private final BooleanSupplier clustered;
  private volatile TokenRefresher refresher;
  private volatile TokenClient client;
  private volatile Vertx vertx;
  /** Set from the start of this node's refresher to the start of its stop. */
  private volatile boolean running;
  private boolean startedOnce;

  TokenService(TokenOptions options, BooleanSupplier clustered) {
    this.options = options;
    this.clustered = clustered;
    this.refresher = new TokenRefresher(options);
  }

  void vertx(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public synchronized Future<Void> start(ServiceContext ctx) {
    boolean cluster = clustered.getAsBoolean();
    TokenClient c = client;
    if (startedOnce) {
      refresher = new TokenRefresher(options);
    }
    if (cluster) {
      refresher.clustered(c != null ? c.fresh() : null);
    }
    startedOnce = true;
    running = true;
    return refresher.start(ctx);
  }

  @Override
  public synchronized Future<Void> stop(ServiceContext ctx) {
    running = false;
    return refresher.stop(ctx);
  }

  /** This node's refresher while it runs (or before the host started, alone); else the cluster's holder. */
  private boolean local() {
    return running || vertx == null || !clustered.getAsBoolean();
  }

  private TokenClient client() {
    TokenClient c = client;
    if (c == null) {
      synchronized (this) {
        if (client == null) {
          client = new TokenClient(vertx, options);
        }
        c = client;
      }
    }
    return c;
  }

  Future<String> current() {
    return local() ? refresher.current() : client().current();
  }

  Future<String> invalidate(String token) {
    return local() ? refresher.invalidate(token) : client().invalidate(token);
  }

  Future<TokenInfo> refresh() {
    if (local()) {
      TokenRefresher r = refresher;
      return r.refresh().map(v -> r.info());
    }
    return client().refresh();
  }

  TokenInfo info() {
    return local() ? refresher.info() : client().info();
  }
}
