package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.core.HostView;
import io.berth.core.RunLedger;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The PostgreSQL store that the nodes of a cluster share ({@code store.type: postgres}), through the reactive
 * {@code vertx-pg-client} pool: no JDBC, no thread of its own. Appends and ends are group-committed
 * ({@link PostgresBatcher}); each queue's {@link PostgresItemStore} claims ahead with {@code FOR UPDATE SKIP LOCKED},
 * so any node may run any item. A claimed row carries a lease ({@code lease_owner} = this node's id,
 * {@code lease_until}) that this backend renews every third of {@code store.leaseTime}; every node sweeps expired
 * leases back to {@code queued} at each fallback poll, so the items of a node killed with -9 run elsewhere. When
 * items become due a node publishes on {@code berth.due.<queue>} (clustered Vert.x: every node hears it). Every node
 * also sweeps finished items past their queue's retention, in small batches that skip what another node's sweep
 * holds (see {@link PostgresItemStore#retain()}).
 */
final class PostgresDatabase implements StoreBackend {

  private static final Logger log = LoggerFactory.getLogger(PostgresDatabase.class);
  /** The schema this code writes; a database with a higher version is refused. */
  static final int SCHEMA_VERSION = 2;
  /** The advisory lock held by a migration, so that nodes starting together migrate one after the other. */
  private static final long MIGRATION_LOCK = 0x4265727468L;   // "Berth"
  /** The event-bus address prefix of wake-ups: the body is the epoch millis at which items become due. */
  static final String DUE_ADDRESS = "berth.due.";
  /** The header of a wake that a node with no room passed on to every node ({@link #passOnDue}). */
  private static final String PASSED_ON = "berth-passed-on";
  private static final int MAX_BATCH = 512;

  private static final List<String> SCHEMA_V1 = List.of(
      "CREATE TABLE berth_items ("
          + " seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"   // admission order, the claim's tie-break
          + " id text NOT NULL UNIQUE,"
          + " queue text NOT NULL,"
          + " type text NOT NULL,"
          + " payload text NOT NULL,"           // JSON
          + " state text NOT NULL,"             // ItemState.label(); retrying is stored queued
          + " attempts integer NOT NULL DEFAULT 0,"
          + " run_at timestamptz NOT NULL,"     // not claimed before
          + " enqueued_at timestamptz NOT NULL,"
          + " started_at timestamptz,"
          + " finished_at timestamptz,"
          + " error text,"
          + " errors text,"                     // JSON array, the last 10
          + " key text,"                        // unique among the queue's unfinished items
          + " lease_owner text,"                // the node that claimed it
          + " lease_until timestamptz,"
          + " node text)",                      // the node of the latest attempt
      // The claim walks this index in (run_at, seq) order; with ORDER BY seq alone the planner took the primary key.
      "CREATE INDEX berth_items_due ON berth_items (queue, run_at, seq) WHERE state = 'queued'",
      "CREATE UNIQUE INDEX berth_items_key ON berth_items (queue, key) WHERE key IS NOT NULL"
          + " AND state IN ('queued', 'running')",
      "CREATE INDEX berth_items_list ON berth_items (queue, seq)",
      "CREATE INDEX berth_items_dead ON berth_items (queue, seq) WHERE state = 'dead'",
      // The lease sweep and renewal; ends are guarded by lease_owner and found by seq, not through this index.
      "CREATE INDEX berth_items_lease ON berth_items (lease_until) WHERE state = 'running'",
      "CREATE TABLE berth_queues (name text PRIMARY KEY, paused boolean NOT NULL DEFAULT false)",
      "CREATE TABLE berth_timed (service text PRIMARY KEY, last_run_at timestamptz, next_run_at timestamptz,"
          + " paused boolean NOT NULL DEFAULT false)");

  /**
   * v2: retention, the unique window and per-type claims. A key now stays on its row while it holds (unfinished, or
   * finished within the queue's {@code uniqueWindow}), so that one unique index over every keyed row decides between
   * concurrent enqueues on any nodes; v1 kept keys on finished rows without holding them, so they are let go first.
   */
  private static final List<String> SCHEMA_V2 = List.of(
      "UPDATE berth_items SET key = NULL WHERE key IS NOT NULL AND state NOT IN ('queued', 'running')",
      "CREATE UNIQUE INDEX berth_items_key_held ON berth_items (queue, key) WHERE key IS NOT NULL",
      "DROP INDEX berth_items_key",
      // The retention sweep walks finished rows in end order, oldest first, and counts the newest N from the top.
      "CREATE INDEX berth_items_finished ON berth_items (queue, finished_at, seq)"
          + " WHERE state IN ('succeeded', 'failed', 'cancelled', 'timed-out')",
      // The claim of one limited type: without it, a rare type's claim would walk every due row of the queue.
      "CREATE INDEX berth_items_type_due ON berth_items (queue, type, run_at, seq) WHERE state = 'queued'");

  private final Vertx vertx;
  private final Pool pool;
  /**
   * Claims only: connections with {@code synchronous_commit=off}, so that a claim does not wait for a WAL flush (on
   * this machine kind 2-20 ms, the same flush the appends' group commit waits for). A claim is a lease, not an
   * acceptance: one lost in a server crash puts its row back to queued and the item runs again, as after any lost
   * lease (at least once). Appends, ends and the singleton leases stay synchronous; an end's flush also makes the
   * claim before it durable.
   */
  private final Pool claims;
  private final String where;
  private final String nodeId;
  private final long leaseMillis;
  private final long pollMillis;
  private final PostgresBatcher inserts;
  /** Inserts of items with a unique key: their batches lock keys in one order, so two nodes' batches never deadlock. */
  private final PostgresBatcher keyedInserts;
  private final PostgresBatcher ends;
  private final PostgresRunLedger ledger;
  /**
   * The context every statement is issued from: the client completes a statement on the context that issued it,
   * and a caller's context (a queue worker's) may be gone by then (undeployed at a stop), losing the answer.
   */
  private final Context home;
  private final List<PostgresItemStore> stores = new CopyOnWriteArrayList<>();
  private final StoreStats stats = new StoreStats();
  private final long tickTimer;
  /** How often each node looks for finished items past their retention (when the last look found none left). */
  private final long sweepMillis;
  private volatile long sweepTimer;
  private final long renewTimer;
  private volatile boolean available = true;
  private volatile boolean closing;

  private PostgresDatabase(Vertx vertx, Pool pool, Pool claims, String where, String nodeId, StoreOptions options) {
    this.vertx = vertx;
    this.pool = pool;
    this.claims = claims;
    this.where = where;
    this.nodeId = nodeId;
    this.home = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
    this.leaseMillis = options.leaseTime().toMillis();
    this.pollMillis = Math.max(10, options.pollInterval().toMillis());
    // Two batches in flight: the server groups the commits of concurrent connections as well.
    this.inserts = new PostgresBatcher(this, PostgresItemStore.INSERT, MAX_BATCH, 2, null);
    this.keyedInserts = new PostgresBatcher(this, PostgresItemStore.INSERT, MAX_BATCH, 2,
        java.util.Comparator.comparing((Tuple t) -> t.getString(1)).thenComparing(t -> t.getString(6)));
    this.ends = new PostgresBatcher(this, PostgresItemStore.END, MAX_BATCH, 2, null);
    this.ledger = new PostgresRunLedger(this);
    this.tickTimer = vertx.setPeriodic(pollMillis, id -> tick());
    this.renewTimer = vertx.setPeriodic(Math.max(100, leaseMillis / 3), id -> renew());
    this.sweepMillis = Math.max(1000, Math.min(30_000, pollMillis * 5));
    // Nodes started together do not sweep in step.
    this.sweepTimer = vertx.setTimer(sweepMillis + java.util.concurrent.ThreadLocalRandom.current()
        .nextLong(sweepMillis), id -> sweep());
  }

  /**
   * Connects to the server (blocking the calling build thread, never an event loop, at most
   * {@code store.connectTimeout} plus a few seconds), migrates the schema in one transaction under an advisory lock,
   * and starts the lease renewal and the fallback poll.
   *
   * @throws ConfigException naming {@code store.url} (unreachable, no such database, newer schema),
   *                         {@code store.user} or {@code store.password} (refused credentials)
   */
  static PostgresDatabase open(StoreOptions options, HostView host) {
    if (Context.isOnEventLoopThread()) {
      // The client may answer on this very loop: waiting here would only time out.
      throw new IllegalStateException("the PostgreSQL store is opened at build, which blocks: build the host outside"
          + " a Vert.x event loop");
    }
    PgConnectOptions connect = options.postgresConnection();
    connect.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(64).setPipeliningLimit(256)
        // The migration's "already exists, skipping" NOTICEs would reach the log as WARN lines of the client.
        .addProperty("client_min_messages", "warning").addProperty("application_name", "berth");
    String where = where(connect);
    int timeout = timeoutMillis(options);
    Pool pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(options.poolSize()).setName("berth-store")
            .setConnectionTimeout(timeout).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS).setMaxWaitQueueSize(100_000))
        .with(new NetClientOptions().setConnectTimeout(timeout))
        .connectingTo(connect)
        .using(host.vertx())
        .build();
    int created;
    try {
      created = pool.withTransaction(PostgresDatabase::migrate).toCompletionStage().toCompletableFuture()
          .get(timeout + 10_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException | TimeoutException | InterruptedException e) {
      pool.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw refused(e, where, connect.getUser(), timeout);
    }
    PgConnectOptions async = new PgConnectOptions(connect);
    async.setProperties(new java.util.HashMap<>(connect.getProperties())).addProperty("synchronous_commit", "off");
    Pool claims = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(2).setName("berth-claims")
            .setConnectionTimeout(timeout).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS).setMaxWaitQueueSize(100_000))
        .with(new NetClientOptions().setConnectTimeout(timeout))
        .connectingTo(async)
        .using(host.vertx())
        .build();
    PostgresDatabase db = new PostgresDatabase(host.vertx(), pool, claims, where, host.lifetime().nodeId(), options);
    log.info("Work store: PostgreSQL at {} as {} (pool {}, node {}){}", where, connect.getUser(), options.poolSize(),
        host.lifetime().nodeId(), created == 0 ? "" : "; schema " + SCHEMA_VERSION + (created == 1 ? " created" : " migrated"));
    return db;
  }

  /** Thrown inside the migration when the database's schema is newer than this code's. */
  private static final class NewerSchema extends RuntimeException {
    final int version;

    NewerSchema(int version) {
      super("schema version " + version, null, false, false);
      this.version = version;
    }
  }

  /** Completes with 1 when it created the schema, 2 when it migrated an older one, 0 when it was there. */
  private static Future<Integer> migrate(SqlConnection c) {
    return c.query("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")").execute()
        .compose(r -> c.query("CREATE TABLE IF NOT EXISTS berth_schema (version integer NOT NULL)").execute())
        .compose(r -> c.query("SELECT max(version) FROM berth_schema").execute())
        .compose(rs -> {
          Integer v = rs.iterator().next().getInteger(0);
          int version = v == null ? 0 : v;
          if (version > SCHEMA_VERSION) {
            return Future.failedFuture(new NewerSchema(version));
          }
          if (version == SCHEMA_VERSION) {
            return Future.succeededFuture(0);
          }
          List<String> steps = new java.util.ArrayList<>();
          if (version < 1) {
            steps.addAll(SCHEMA_V1);
          }
          steps.addAll(SCHEMA_V2);
          Future<?> f = Future.succeededFuture();
          for (String ddl : steps) {
            f = f.compose(x -> c.query(ddl).execute());
          }
          return f.compose(x -> c.query("DELETE FROM berth_schema").execute())
              .compose(x -> c.query("INSERT INTO berth_schema (version) VALUES (" + SCHEMA_VERSION + ")").execute())
              .map(x -> version == 0 ? 1 : 2);
        });
  }

  /** See {@link StoreOptions#probe}: one connection, within the open's own bound, its failure a config error. */
  static Future<Void> probe(Vertx vertx, StoreOptions options) {
    PgConnectOptions connect = options.postgresConnection();
    int timeout = timeoutMillis(options);
    return PgConnection.connect(vertx, connect).compose(c -> c.close())
        .timeout(timeout + 10_000L, TimeUnit.MILLISECONDS)
        .recover(e -> Future.failedFuture(refused(e, where(connect), connect.getUser(), timeout)));
  }

  /** The server as logs and errors name it: never the user or the password. */
  private static String where(PgConnectOptions connect) {
    return "postgresql://" + connect.getHost() + ":" + connect.getPort() + "/" + connect.getDatabase();
  }

  private static int timeoutMillis(StoreOptions options) {
    return (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
  }

  /** The one-line config error for a failed open: the key to fix, never the password or a stack trace. */
  private static ConfigException refused(Throwable e, String where, String user, int timeoutMs) {
    Throwable cause = e;
    while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof NewerSchema n) {
      return new ConfigException("store.url", "the database at " + where + " has schema version " + n.version
          + ", newer than this Berth's (" + SCHEMA_VERSION + "); run a newer Berth on it, or point store.url at"
          + " another database");
    }
    if (cause instanceof PgException pg) {
      String state = String.valueOf(pg.getSqlState());
      return switch (state) {
        case "28P01" -> new ConfigException("store.password", "PostgreSQL at " + where + " refused the password of"
            + " user '" + user + "'");
        case "28000" -> new ConfigException("store.user", "PostgreSQL at " + where + " refused user '" + user + "': "
            + pg.getErrorMessage());
        case "3D000" -> new ConfigException("store.url", "PostgreSQL at " + where + " has no such database: "
            + pg.getErrorMessage() + "; create it or fix the URL");
        case "42501" -> new ConfigException("store.user", "user '" + user + "' may not create Berth's tables in "
            + where + ": " + pg.getErrorMessage());
        default -> new ConfigException("store.url", "PostgreSQL at " + where + " refused to open the store: "
            + pg.getErrorMessage() + " (SQLSTATE " + state + ")");
      };
    }
    if (cause instanceof TimeoutException || "Timeout".equals(cause.getMessage())) {
      return new ConfigException("store.url", "PostgreSQL at " + where + " gave no connection within " + timeoutMs
          + " ms (store.connectTimeout); check the host, the port and the network");
    }
    return new ConfigException("store.url", "cannot reach PostgreSQL at " + where + ": " + cause.getClass()
        .getSimpleName() + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"));
  }

  // ---------------------------------------------------------------- for the item stores

  Vertx vertx() {
    return vertx;
  }

  String nodeId() {
    return nodeId;
  }

  long leaseMillis() {
    return leaseMillis;
  }

  long pollMillis() {
    return pollMillis;
  }

  PostgresBatcher inserts() {
    return inserts;
  }

  PostgresBatcher keyedInserts() {
    return keyedInserts;
  }

  PostgresBatcher ends() {
    return ends;
  }

  /**
   * Issues {@code call} from this store's own context (at once when already there) and completes with its outcome,
   * recorded for {@link #available()}. A closed pool fails the future rather than throwing.
   */
  <T> Future<T> issue(java.util.function.Function<Pool, Future<T>> call) {
    if (Vertx.currentContext() == home) {
      return watch(attempt(call));
    }
    Promise<T> done = Promise.promise();
    home.runOnContext(v -> attempt(call).onComplete(done));
    return watch(done.future());
  }

  private <T> Future<T> attempt(java.util.function.Function<Pool, Future<T>> call) {
    try {
      return call.apply(pool);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** The context every statement is issued from and answered on. */
  Context home() {
    return home;
  }

  /** A claim (asynchronous commit, see {@link #claims}), issued from this store's context. */
  Future<RowSet<Row>> claim(String sql, Tuple args) {
    return issue(p -> claims.preparedQuery(sql).execute(args));
  }

  /** One prepared statement, issued from this store's context. */
  Future<RowSet<Row>> query(String sql, Tuple args) {
    return issue(p -> p.preparedQuery(sql).execute(args));
  }

  /** Tells every node that items of {@code queue} are due at {@code atMillis} (now or later). */
  void publishDue(String queue, long atMillis) {
    if (!closing) {
      vertx.eventBus().publish(DUE_ADDRESS + queue, atMillis);
    }
  }

  /**
   * Items of {@code queue} are due at {@code atMillis}. Due now and {@code toOne}: sent to one node, the event bus
   * taking the nodes in turn. Every node claiming each wake made two claim statements per wake where one finds the
   * rows; the node that finds no room passes the wake on ({@link #passOnDue}). Later: every node plans a claim.
   */
  void announceDue(String queue, long atMillis, boolean toOne) {
    if (!toOne || atMillis > System.currentTimeMillis()) {
      publishDue(queue, atMillis);
    } else if (!closing) {
      vertx.eventBus().send(DUE_ADDRESS + queue, atMillis);
    }
  }

  /** A wake for items due now that this node cannot claim: to every node, marked so that none passes it on again. */
  void passOnDue(String queue) {
    if (!closing) {
      // Options of its own: the event bus keeps the headers' map on the message it sends.
      vertx.eventBus().publish(DUE_ADDRESS + queue, System.currentTimeMillis(),
          new DeliveryOptions().addHeader(PASSED_ON, "1"));
    }
  }

  /** Whether {@code wake} was passed on by a node that had no room ({@link #passOnDue}). */
  static boolean passedOn(Message<?> wake) {
    return wake.headers().contains(PASSED_ON);
  }

  /** Records the outcome of a statement: a failed connection makes the store unavailable until one succeeds. */
  <T> Future<T> watch(Future<T> f) {
    return f.andThen(ar -> {
      if (ar.succeeded()) {
        up();
      } else if (isOutage(ar.cause())) {
        down(ar.cause());
      }
    });
  }

  private void up() {
    if (!available) {
      available = true;
      log.info("Work store: PostgreSQL at {} is reachable again", where);
    }
  }

  private void down(Throwable e) {
    if (available && !closing) {
      available = false;
      log.error("Work store: PostgreSQL at {} is unavailable ({}); enqueues fail with store_unavailable until it"
          + " returns", where, e.toString());
    }
  }

  /** A lost or refused connection, as opposed to an error of one statement. */
  static boolean isOutage(Throwable e) {
    if (e instanceof PgException pg) {
      String s = String.valueOf(pg.getSqlState());
      return s.startsWith("08") || s.startsWith("57P") || s.startsWith("53");
    }
    return !(e instanceof WorkException);
  }

  /**
   * Whether the server answered the last statement (false from a failed connection until one succeeds): for the
   * readiness check.
   */
  @Override
  public StoreStats stats() {
    return stats;
  }

  @Override
  public boolean available() {
    return available;
  }

  /** The timed services' ledger in table {@code berth_timed}. */
  @Override
  public RunLedger runLedger() {
    return ledger;
  }

  /** Converts epoch millis for a {@code timestamptz} parameter (null for 0: not set). */
  static OffsetDateTime time(long millis) {
    return millis == 0 ? null : OffsetDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  static OffsetDateTime time(Instant at) {
    return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
  }

  static Instant instant(Row r, int column) {
    OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? null : t.toInstant();
  }

  // ---------------------------------------------------------------- periodic work

  /** The fallback poll: expired leases back to queued, then each queue claims what it may have missed. */
  private void tick() {
    if (closing) {
      return;
    }
    query("UPDATE berth_items SET state = 'queued', lease_owner = NULL, lease_until = NULL"
        + " WHERE state = 'running' AND lease_until < now() RETURNING queue", Tuple.tuple())
        .onSuccess(this::swept);
    for (PostgresItemStore s : stores) {
      s.poll();
    }
  }

  private void swept(RowSet<Row> rows) {
    if (rows.rowCount() == 0) {
      return;
    }
    Set<String> queues = new LinkedHashSet<>();
    rows.forEach(r -> queues.add(r.getString(0)));
    log.warn("Work store: {} item(s) whose node stopped renewing its lease are queued again (queues {})",
        rows.rowCount(), queues);
    long now = System.currentTimeMillis();
    queues.forEach(q -> publishDue(q, now));
  }

  /**
   * The retention sweep: each queue deletes its finished items past {@code retention.time} or beyond the newest
   * {@code retention.count}, in batches of {@link PostgresItemStore#RETENTION_BATCH} rows, each batch a statement (a
   * short transaction) of its own; the queues one after the other. Every node sweeps: the batches lock only finished
   * rows, which no claim, renewal or end touches, and skip the rows another node's sweep holds (SKIP LOCKED), so
   * sweeps never wait on each other or on the claims. Then plans the next look.
   */
  private void sweep() {
    if (closing) {
      return;
    }
    Future<Void> all = Future.succeededFuture();
    for (PostgresItemStore s : stores) {
      all = all.compose(v -> s.retain().<Void>mapEmpty().recover(e -> {
        log.warn("Work store: deleting finished items past their retention failed: {}", e.toString());
        return Future.succeededFuture();
      }));
    }
    all.onComplete(ar -> {
      if (!closing) {
        sweepTimer = vertx.setTimer(sweepMillis, id -> sweep());
      }
    });
  }

  /** Renews the leases of every item this node claimed (running or claimed ahead). */
  private void renew() {
    if (closing) {
      return;
    }
    query("UPDATE berth_items SET lease_until = now() + $2 * interval '1 millisecond'"
        + " WHERE state = 'running' AND lease_owner = $1", Tuple.of(nodeId, leaseMillis))
        .onFailure(e -> log.debug("Work store: lease renewal failed: {}", e.toString()));
  }

  // ---------------------------------------------------------------- StoreBackend

  @Override
  public ItemStore itemStore(QueueOptions options, Map<String, Handlers.Entry> handlers) {
    PostgresItemStore store = new PostgresItemStore(options, this, handlers::get);
    stores.add(store);
    return store;
  }

  @Override
  public String describe() {
    return "PostgreSQL at " + where + " (shared; node " + nodeId + ")";
  }

  /**
   * Stops the timers, waits at most 2 s for the writes in flight (blocking: the store service stops on a worker
   * thread), and closes the pool without waiting for it: the client's close takes about half a second (its
   * connections' graceful shutdown) that a stop need not spend.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    vertx.cancelTimer(tickTimer);
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(sweepTimer);
    // The queues' last writes (hand-backs, ends) may still be in flight when a stop was cut short: give them a
    // bounded moment, or those items would wait for their leases to expire before another node runs them.
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!(inserts.idle() && keyedInserts.idle() && ends.idle()) && System.nanoTime() < until) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    claims.close();
    pool.close().onComplete(ar -> log.info("Work store: PostgreSQL at {} closed{}", where,
        ar.succeeded() ? "" : " (" + ar.cause() + ")"));
  }
}
