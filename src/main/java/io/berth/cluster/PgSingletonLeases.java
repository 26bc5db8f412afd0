package io.berth.cluster;

import io.berth.core.SingletonLeases;
import io.berth.core.internal.Failures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Singleton leases in the shared PostgreSQL database: one row per singleton in {@code berth_singletons(name, owner,
 * expires_at, fence)}, taken and renewed by conditional statements on the database's clock, so the database alone
 * decides who holds a lease. Taking a free or expired lease adds one to its fencing number, which never goes down.
 *
 * <p>The holder renews every {@code renewInterval}. It counts its lease valid until the instant it <em>sent</em> its
 * last successful renewal plus the TTL minus one renew interval, on its own monotonic clock: past that instant
 * (renewals failing, the database unreachable, or the process paused) it tells the host it lost the lease, so the
 * service stops at least one renew interval before the row can expire and pass to another node. A holder paused
 * longer than that finds, when it resumes, that its deadline passed (or its renewal is refused because the fence
 * changed), and stops; {@link #check} refuses its old fence.
 *
 * <p>Every database call and every state change runs on one Vert.x context of its own; nothing blocks it.
 */
public final class PgSingletonLeases implements SingletonLeases {

  private static final Logger log = LoggerFactory.getLogger(PgSingletonLeases.class);

  static final String SCHEMA = "CREATE TABLE IF NOT EXISTS berth_singletons ("
      + " name text PRIMARY KEY, owner text, expires_at timestamptz NOT NULL, fence bigint NOT NULL)";

  /** Takes the lease when it is free, expired, or already this owner's (a fresh fence each time). */
  private static final String ACQUIRE = "INSERT INTO berth_singletons AS s (name, owner, expires_at, fence)"
      + " VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond', 1)"
      + " ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at,"
      + " fence = s.fence + 1"
      + " WHERE s.owner IS NULL OR s.expires_at <= now() OR s.owner = EXCLUDED.owner"
      + " RETURNING fence";

  /** Extends the lease only while nobody else took it since (same owner, same fence). */
  private static final String RENEW = "UPDATE berth_singletons SET expires_at = now() + $4::float8 * interval"
      + " '1 millisecond' WHERE name = $1 AND owner = $2 AND fence = $3";

  private static final String RELEASE = "UPDATE berth_singletons SET owner = NULL, expires_at = now()"
      + " WHERE name = $1 AND owner = $2 AND fence = $3";

  private static final String CHECK = "SELECT 1 FROM berth_singletons"
      + " WHERE name = $1 AND fence = $2 AND owner IS NOT NULL AND expires_at > now()";

  private static final String HOLDERS = "SELECT name, owner FROM berth_singletons"
      + " WHERE owner IS NOT NULL AND expires_at > now() ORDER BY name";

  private final Vertx vertx;
  private final Pool pool;
  private final String owner;
  private final long ttlMs;
  private final long renewMs;
  /** How long after sending a successful renewal this node still counts itself the holder. */
  private final long validNanos;
  private final Context context;
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  private volatile boolean suspended;
  private final AtomicLong staleFencesRefused = new AtomicLong();
  private long timer = -1;
  private boolean closed;

  /**
   * Leases held as {@code owner} (the node id) in {@code pool}'s database, with {@code ttl} and renewals every
   * {@code renewInterval}; the TTL must be at least three renew intervals.
   */
  public PgSingletonLeases(Vertx vertx, Pool pool, String owner, Duration ttl, Duration renewInterval) {
    this.vertx = Objects.requireNonNull(vertx);
    this.pool = Objects.requireNonNull(pool);
    this.owner = Objects.requireNonNull(owner);
    this.ttlMs = ttl.toMillis();
    this.renewMs = renewInterval.toMillis();
    if (ttlMs < 3 * renewMs) {
      throw new IllegalArgumentException("the lease TTL (" + ttlMs + "ms) must be at least three renew intervals ("
          + renewMs + "ms)");
    }
    this.validNanos = Duration.ofMillis(ttlMs - renewMs).toNanos();
    this.context = vertx.getOrCreateContext();
  }

  /** Creates the table when missing and starts renewing; contentions made before take part from here on. */
  public Future<Void> start() {
    // CREATE TABLE IF NOT EXISTS is not safe against itself: two nodes starting together may both create the table's
    // type, and the slower gets a unique violation (23505) or "already exists" (42P07). The table exists then: again.
    return pool.query(SCHEMA).execute()
        .recover(e -> e instanceof PgException pg && ("23505".equals(pg.getSqlState())
            || "42P07".equals(pg.getSqlState())) ? pool.query(SCHEMA).execute() : Future.failedFuture(e))
        .<Void>mapEmpty().compose(v -> on(() -> {
      if (!closed && timer < 0) {
        timer = vertx.setPeriodic(1, renewMs, id -> tick());
      }
      return Future.<Void>succeededFuture();
    }));
  }

  /** Stops renewing and gives up every lease this node holds. */
  public Future<Void> close() {
    return on(() -> {
      closed = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      return Future.join(leases.values().stream().map(Lease::close).toList()).<Void>mapEmpty()
          .recover(e -> Future.succeededFuture());
    });
  }

  /**
   * How many times the store refused a fence this node had held (its renewal after a pause or a lost connection,
   * when another node had taken the lease since): each is one WARN line naming the singleton and the fence.
   */
  public long staleFencesRefused() {
    return staleFencesRefused.get();
  }

  /** The node id this node holds leases as. */
  public String owner() {
    return owner;
  }

  @Override
  public Contention contend(String name, Holder holder) {
    Lease lease = new Lease(name, holder);
    if (leases.putIfAbsent(name, lease) != null) {
      throw new IllegalStateException("singleton '" + name + "' already contends for its lease");
    }
    context.runOnContext(v -> {
      if (timer >= 0) {
        lease.attempt();   // at once, not at the next tick: a free lease is taken as the service starts
      }
    });
    return lease::close;
  }

  @Override
  public OptionalLong fence(String name) {
    Lease l = leases.get(name);
    if (l == null) {
      return OptionalLong.empty();
    }
    long f = l.fence;
    return f > 0 && System.nanoTime() - l.validUntil < 0 ? OptionalLong.of(f) : OptionalLong.empty();
  }

  @Override
  public Future<Boolean> check(String name, long fence) {
    return pool.preparedQuery(CHECK).execute(Tuple.of(name, fence)).map(rows -> rows.size() == 1);
  }

  @Override
  public Future<Map<String, String>> holders() {
    return pool.query(HOLDERS).execute().map(rows -> {
      Map<String, String> result = new LinkedHashMap<>();
      for (Row r : rows) {
        result.put(r.getString("name"), r.getString("owner"));
      }
      return result;
    });
  }

  /**
   * A test seam standing for a paused process: while suspended, this node sends no renewal and takes no lease,
   * exactly as if it were stopped, but its own clock keeps counting, so its deadline passes.
   */
  void suspendRenewals(boolean suspend) {
    this.suspended = suspend;
  }

  private void tick() {
    if (closed) {
      return;
    }
    for (Lease l : leases.values()) {
      l.attempt();
    }
  }

  private <T> Future<T> on(java.util.function.Supplier<Future<T>> action) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  /** One singleton's lease as this node sees it; changed only on {@link #context}. */
  private final class Lease {
    private final String name;
    private final Holder holder;
    /** The fence while this node holds the lease, else 0. */
    volatile long fence;
    /** Until when (System.nanoTime) this node counts itself the holder. */
    volatile long validUntil;
    /** The fence held when this node's own deadline passed, until the store answered for it; else 0. */
    private long lapsed;
    private boolean inFlight;
    private boolean released;
    private long watchdog = -1;
    private String lastError;

    Lease(String name, Holder holder) {
      this.name = name;
      this.holder = holder;
    }

    void attempt() {
      if (released || inFlight) {
        return;
      }
      if (fence > 0 && System.nanoTime() - validUntil >= 0) {
        lose("its lease ran out before a renewal succeeded (last error: "
            + (lastError == null ? "none" : lastError) + ")", true);
      }
      if (suspended) {
        return;
      }
      inFlight = true;
      long sent = System.nanoTime();
      long lapsed = fence == 0 ? this.lapsed : 0;
      Future<RowSet<Row>> call = fence > 0
          ? pool.preparedQuery(RENEW).execute(Tuple.of(name, owner, fence, ttlMs))
          : lapsed > 0
          // Its own deadline passed (a pause, a slow database): the store says whether that fence is still the
          // lease's. Still the same fence, nobody held it since, and this node takes it back under that fence.
          ? pool.preparedQuery(RENEW).execute(Tuple.of(name, owner, lapsed, ttlMs))
          : pool.preparedQuery(ACQUIRE).execute(Tuple.of(name, owner, ttlMs));
      long asked = fence;
      call.onComplete(ar -> context.runOnContext(v -> {
        inFlight = false;
        if (released) {
          return;
        }
        if (ar.failed()) {
          String error = Failures.message(ar.cause());
          if (!error.equals(lastError)) {
            log.warn("Singleton '{}': {} failed: {}", name, asked > 0 || lapsed > 0 ? "renewing its lease"
                : "taking its lease", error);
          }
          lastError = error;
          return;
        }
        lastError = null;
        if (asked > 0) {
          if (fence != asked) {
            return;   // lost meanwhile (deadline passed while the renewal was under way)
          }
          if (ar.result().rowCount() == 0) {
            refused(asked);
            lose("another node holds the lease now", false);
          } else {
            held(sent);
          }
        } else if (lapsed > 0) {
          if (this.lapsed != lapsed || fence != 0) {
            return;
          }
          this.lapsed = 0;
          if (ar.result().rowCount() == 0) {
            refused(lapsed);
          } else {
            log.info("Singleton '{}': its lease (fence {}) was still this node's; taken back", name, lapsed);
            fence = lapsed;
            held(sent);
            if (fence > 0) {
              holder.acquired(fence);
            }
          }
        } else if (ar.result().size() == 1 && fence == 0) {
          fence = ar.result().iterator().next().getLong(0);
          held(sent);
          if (fence > 0) {
            holder.acquired(fence);
          }
        }
      }));
    }

    /** The database granted the lease at or after {@code sent}: this node counts it until sent + TTL − renew. */
    private void held(long sent) {
      validUntil = sent + validNanos;
      long left = validUntil - System.nanoTime();
      if (left <= 0) {
        lose("its renewal came back too late (the process was paused or the database slow)", true);
        return;
      }
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
      }
      watchdog = vertx.setTimer(Math.max(1, left / 1_000_000 + 1), id -> {
        watchdog = -1;
        if (fence > 0 && System.nanoTime() - validUntil >= 0) {
          lose("its lease ran out before a renewal succeeded (last error: "
              + (lastError == null ? "none" : lastError) + ")", true);
        }
      });
    }

    /** The store refused this node's {@code stale} fence: another node took the lease since. Logged once per fence. */
    private void refused(long stale) {
      staleFencesRefused.incrementAndGet();
      log.warn("Singleton '{}': the store refused this node's fence {}: another node took the lease since", name,
          stale);
    }

    /** Tells the holder it lost the lease; {@code ranOut}: by this node's own deadline, not the store's answer. */
    private void lose(String reason, boolean ranOut) {
      if (fence == 0) {
        return;
      }
      if (ranOut) {
        lapsed = fence;   // the next attempt asks the store about it
      }
      fence = 0;
      if (watchdog >= 0) {
        vertx.cancelTimer(watchdog);
        watchdog = -1;
      }
      holder.lost(reason);
    }

    Future<Void> close() {
      return on(() -> {
        if (released) {
          return Future.<Void>succeededFuture();
        }
        released = true;
        leases.remove(name, this);
        long f = fence;
        fence = 0;
        if (watchdog >= 0) {
          vertx.cancelTimer(watchdog);
          watchdog = -1;
        }
        if (f == 0) {
          return Future.<Void>succeededFuture();
        }
        return pool.preparedQuery(RELEASE).execute(Tuple.of(name, owner, f)).<Void>mapEmpty();
      });
    }
  }
}
