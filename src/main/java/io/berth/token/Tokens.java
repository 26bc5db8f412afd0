package io.berth.token;

import io.berth.config.ConfigReader;
import io.berth.core.HostModule;
import io.berth.core.HostView;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceKind;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared access tokens of a host: one refresher per configured token fetches it at start and refreshes it
 * ahead of expiry, and every consumer reads it from here instead of fetching its own (a fetch invalidates the
 * previous token at vendors such as WeChat). Thread-safe; every method returns at once.
 *
 * <pre>{@code
 * Tokens tokens = Tokens.fromConfig(config.section("tokens"), System.getenv());
 * Host host = Host.builder().vertx(vertx).module(tokens).build();
 * tokens.current("wechat").compose(token -> callApi(token));
 * }</pre>
 *
 * <p>Each token runs as the hosted service {@code token:<name>} (see {@link #serviceName(String)}), whose start
 * waits for the first token up to its {@code startTimeout} and never fails the host. State changes are published on
 * {@code berth.tokens.<name>} as {@code {"token", "state", "expiresAt", "refreshedAt", "lastError"}}, never the value;
 * a failure that repeats the last error changes nothing there. The outcome of every fetch, each counted once, goes to
 * this node's consumers of {@code berth.tokens.<name>.outcomes} as {@code {"token", "outcome"}} ({@value #SUCCEEDED}
 * or {@value #FAILED}; see {@link #outcomesAddress}).
 *
 * <p>In a cluster with singleton leases each token's service is a singleton: one node (the lease holder) fetches and
 * refreshes, and answers the others' requests on the clustered event bus ({@code berth.tokens.<name>.current},
 * {@code .invalidate}, {@code .refresh}); the others keep its answer until its planned refresh, and serve it until it
 * expires while no node answers (a failover). An {@link #invalidate} from any node is one refresh cluster-wide. The
 * value crosses the bus only in a reply to the node that asked: run the cluster's bus on a trusted network or TLS.
 * {@code services.token:<name>.singleton: false} makes every node fetch its own.
 */
public final class Tokens implements HostModule {

  /** Event bus address prefix of a token's state changes: {@code berth.tokens.<name>}. */
  public static final String ADDRESS_PREFIX = "berth.tokens.";

  /** The outcome of a fetch that brought a token. */
  public static final String SUCCEEDED = "succeeded";
  /** The outcome of a fetch that failed (the upstream's error, a timeout, an answer without a token). */
  public static final String FAILED = "failed";

  /** Added to a token's startTimeout to bound its hosted service's start, which itself never takes longer. */
  private static final Duration START_MARGIN = Duration.ofSeconds(5);

  private final Map<String, TokenService> refreshers;
  private volatile HostView host;
  /** Per token, whether its service is a cluster singleton: fixed once the host is built. */
  private final Map<String, Boolean> singletons = new ConcurrentHashMap<>();

  private Tokens(List<TokenOptions> options) {
    Map<String, TokenService> map = new LinkedHashMap<>();
    for (TokenOptions o : options) {
      if (map.put(o.name(), new TokenService(o, () -> singleton(o.name()))) != null) {
        throw new IllegalArgumentException("token '" + o.name() + "' is defined twice");
      }
    }
    this.refreshers = Collections.unmodifiableMap(map);
  }

  /** Tokens built in code. */
  public static Tokens of(List<TokenOptions> options) {
    return new Tokens(options);
  }

  public static Tokens of(TokenOptions... options) {
    return new Tokens(List.of(options));
  }

  /**
   * Reads every {@code tokens.<name>} of {@code tokensSection} (see {@link TokenOptions#from}); {@code env}
   * resolves {@code ${ENV}} references (pass {@code System.getenv()}).
   *
   * @throws io.berth.config.ConfigException naming the key of the first invalid value or unset variable
   */
  public static Tokens fromConfig(ConfigReader tokensSection, Map<String, String> env) {
    List<TokenOptions> all = new ArrayList<>();
    for (String name : tokensSection.names()) {
      all.add(TokenOptions.from(name, tokensSection.section(name), env));
    }
    return new Tokens(all);
  }

  /**
   * Where the refresher of token {@code name} on this node says how each fetch ended, one local message per fetch
   * (a fetch answered after the service stopped is not counted): {@code berth.tokens.<name>.outcomes}.
   */
  public static String outcomesAddress(String name) {
    return ADDRESS_PREFIX + name + ".outcomes";
  }

  /** The hosted service name of token {@code name}: {@code token:<name>}. */
  public static String serviceName(String name) {
    return "token:" + name;
  }

  /**
   * As a host module ({@code Host.builder().module(tokens)}): one hosted service per token, in definition order, at
   * the module's place among the services, and this object as the host's {@code Tokens} feature.
   */
  @Override
  public void register(ModuleContext context) {
    host = context.host();
    for (TokenService r : refreshers.values()) {
      r.vertx(context.vertx());
      // In a cluster with singleton leases, one node fetches and refreshes; the others ask it (see TokenClient).
      context.service(serviceName(r.options.name()), ServiceKind.HOSTED, ModuleContext.Placement.IN_ORDER, r,
          r.options.startTimeout().plus(START_MARGIN), true);
    }
    context.provide(Tokens.class, this);
  }

  /** Whether token {@code name}'s service runs on one node of a cluster at a time (false until the host is built). */
  private boolean singleton(String name) {
    Boolean known = singletons.get(name);
    if (known != null) {
      return known;
    }
    HostView h = host;
    if (h == null) {
      return false;
    }
    List<ServiceInfo> services;
    try {
      services = h.services();
    } catch (RuntimeException e) {
      return false;   // the host is still being built
    }
    String service = serviceName(name);
    for (ServiceInfo s : services) {
      if (s.name().equals(service)) {
        boolean singleton = s.details().getBoolean("singleton", false);
        singletons.put(name, singleton);
        return singleton;
      }
    }
    return false;
  }

  /** The token names, in definition order. */
  public Set<String> names() {
    return refreshers.keySet();
  }

  /**
   * The current token. Waits for the first one while the token's start is under way; fails with a
   * {@link TokenException} whose code is {@code unknown_token} or {@code token_unavailable} (no unexpired token).
   */
  public Future<String> current(String name) {
    TokenService r = refreshers.get(name);
    return r == null ? unknown(name) : r.current();
  }

  /**
   * Reports that the upstream API rejected {@code token}, and returns the token to use instead. When it is still
   * the current one this triggers one refresh, shared by every caller reporting it meanwhile (single flight); when
   * it was already replaced, the current token comes back with no fetch. While a failing upstream is being retried
   * with backoff, this waits for the next attempt rather than fetching again.
   */
  public Future<String> invalidate(String name, String token) {
    TokenService r = refreshers.get(name);
    return r == null ? unknown(name) : r.invalidate(token);
  }

  /**
   * Fetches the token now (joining a fetch already under way) and returns its state afterwards. Fails with a
   * {@link TokenException}: {@code unknown_token} (404), or {@code refresh_failed} naming the upstream's answer.
   */
  public Future<TokenInfo> refresh(String name) {
    TokenService r = refreshers.get(name);
    return r == null ? unknown(name) : r.refresh();
  }

  /** Every token's state, in definition order: never a token value. */
  public List<TokenInfo> list() {
    return refreshers.values().stream().map(TokenService::info).toList();
  }

  /** One token's state, or null when there is no token of that name. */
  public TokenInfo info(String name) {
    TokenService r = refreshers.get(name);
    return r == null ? null : r.info();
  }

  private <T> Future<T> unknown(String name) {
    return Future.failedFuture(new TokenException(TokenException.UNKNOWN_TOKEN, name, "No token named '" + name
        + "'; the tokens are: " + (refreshers.isEmpty() ? "none" : String.join(", ", refreshers.keySet()))));
  }
}
