package io.berth.work;

import io.berth.core.internal.Futures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One queue's items in the shared {@link PostgresDatabase}. An append completes once its row is committed (group
 * commit); the workers claim from a small buffer that this store fills with {@code FOR UPDATE SKIP LOCKED} claims
 * (the rows leased to this node), when woken by a {@code berth.due.<queue>} publish from any node, by a timer at the
 * next due time it knows, or by the fallback poll. Ends are written behind, guarded by the lease owner: an item whose
 * lease passed to another node is not overwritten. The pause is a row per queue that every node's claim reads.
 * A limited type ({@code types.<type>.concurrency}, per node) is claimed by a statement of its own, never more than
 * this node may start; a unique key stays on its row while it holds (unfinished, or within {@code uniqueWindow}), so
 * one unique index decides between nodes. In-process work ({@link LocalWork}: a lambda) cannot be stored and stays in
 * memory, lost at a stop.
 */
final class PostgresItemStore implements ItemStore {

  private static final Logger log = LoggerFactory.getLogger(PostgresItemStore.class);
  /** How often the shared counts (queued, retrying, dead) are read again from the table. */
  private static final long COUNTS_EVERY_MS = 5_000;

  static final String INSERT = "INSERT INTO berth_items (id, queue, type, payload, state, attempts, run_at,"
      + " enqueued_at, key) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7)"
      + " ON CONFLICT (queue, key) WHERE key IS NOT NULL DO NOTHING RETURNING seq";
  /**
   * Guarded by the lease owner, found by seq: {@code AND state = 'running'} made the planner pick a worse index. The
   * key stays on the row while it holds ($10: queued again, or finished, not cancelled, with a unique window).
   */
  static final String END = "UPDATE berth_items SET state = $1, attempts = $2, started_at = $3, finished_at = $4,"
      + " error = $5, run_at = $6, errors = $7, lease_owner = NULL, lease_until = NULL,"
      + " key = CASE WHEN $10 THEN key END WHERE seq = $8 AND lease_owner = $9";
  /**
   * Lets go of key $2 when its row no longer holds it: cancelled, or finished before the window ($3 ms) on the
   * database's clock. Row-locked, so two nodes racing for an expired key let it go once.
   */
  private static final String RELEASE_KEY = "UPDATE berth_items SET key = NULL WHERE queue = $1 AND key = $2"
      + " AND state NOT IN ('queued', 'running') AND (state = 'cancelled' OR finished_at IS NULL"
      + " OR finished_at < now() - $3::bigint * interval '1 millisecond')";
  private static final String FINISHED = " state IN ('succeeded', 'failed', 'cancelled', 'timed-out')";
  /**
   * The retention cut in (end time, seq) order: rows at or before it go. The later of: the (N+1)th newest finished
   * row ($2 = retention.count), and "ended before now - retention.time" ($3 ms; 0: no time bound), as (that time, 0).
   */
  static final String RETENTION_CUT = "SELECT at, seq FROM ("
      + "SELECT finished_at AS at, seq FROM (SELECT finished_at, seq FROM berth_items WHERE queue = $1 AND" + FINISHED
      + " ORDER BY finished_at DESC, seq DESC OFFSET $2 LIMIT 1) c"
      + " UNION ALL SELECT now() - $3::bigint * interval '1 millisecond', 0 WHERE $3::bigint > 0) b"
      + " ORDER BY at DESC, seq DESC LIMIT 1";
  /** The most rows one retention batch deletes: each batch is a short transaction of its own. */
  static final int RETENTION_BATCH = 500;
  private static final String RETENTION_DELETE = "DELETE FROM berth_items WHERE seq IN (SELECT seq FROM berth_items"
      + " WHERE queue = $1 AND" + FINISHED + " AND (finished_at, seq) <= ($2::timestamptz, $3::bigint)"
      + " ORDER BY finished_at, seq LIMIT " + RETENTION_BATCH + " FOR UPDATE SKIP LOCKED)";
  /** Between two retention batches of one queue: claims and ends go first. */
  private static final long RETENTION_PAUSE_MS = 20;
  private static final String CLAIM = claimSql("");
  /** The claim of the types without a limit, when some have one ($5: the limited types). */
  private static final String CLAIM_OPEN = claimSql(" AND type <> ALL($5::text[])");
  /** The claim of one limited type ($5). */
  private static final String CLAIM_TYPE = claimSql(" AND type = $5");

  private static String claimSql(String filter) {
    return "UPDATE berth_items SET state = 'running', attempts = attempts + 1,"
        + " lease_owner = $1, node = $1, lease_until = now() + $4 * interval '1 millisecond'"
        + " WHERE seq IN (SELECT seq FROM berth_items WHERE queue = $2 AND state = 'queued' AND run_at <= now()"
        + filter + " AND NOT EXISTS (SELECT 1 FROM berth_queues WHERE name = $2 AND paused)"
        + " ORDER BY run_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED)"
        + " RETURNING seq, id, type, payload, attempts, run_at, enqueued_at, errors";
  }
  private static final String COLUMNS = "id, type, state, attempts, enqueued_at, started_at, finished_at, error,"
      + " run_at, errors, node, seq";

  private final String queue;
  private final PostgresDatabase db;
  private final Function<String, Handlers.Entry> handlers;
  private final int ahead;
  /** Per-type limits, per node: a limited type's items are claimed by their own statement, up to what may start. */
  private final TypeLimits limits;
  /** The limited types, for the main claim's filter. */
  private final String[] limitedTypes;
  /** Per limited type: whether its due rows may be in the table (set by wake-ups and by its runs' ends). */
  private final java.util.Map<String, AtomicBoolean> typeWanted = new java.util.HashMap<>();
  private final long uniqueWindowMs;
  private final long retentionMs;
  private final int retentionCount;
  /** Claimed ahead of the workers, by type when types have limits. */
  private final TypedChannel buffer;
  private final AtomicInteger buffered = new AtomicInteger();
  private final TypedChannel local;
  private final DelayedItems localDelayed = new DelayedItems();
  private final StatusStore recent;
  /** Shared counts, read from the table every few seconds and kept up to date by this node in between. */
  private final AtomicLong onDisk = new AtomicLong();
  private final AtomicLong retrying = new AtomicLong();
  private final AtomicLong deadNow = new AtomicLong();
  private final LongAdder started = new LongAdder();
  private final LongAdder ended = new LongAdder();
  private final LongAdder[] reached = new LongAdder[ItemState.values().length];
  /** Ends not written (the server was away): written again at the next poll. */
  private final ConcurrentLinkedQueue<Item> unwritten = new ConcurrentLinkedQueue<>();
  /** Writes in flight, for {@link #flush()}. */
  private final Set<Future<?>> writes = ConcurrentHashMap.newKeySet();
  /** Claims in flight: one, or two when a wake came while one was in flight. */
  private final AtomicInteger claiming = new AtomicInteger();
  /** Wake-ups received: a claim that found too few rows ends the search only if none came meanwhile. */
  private final AtomicLong wakes = new AtomicLong();
  /** The earliest due time to announce to the nodes (MAX_VALUE: none pending). */
  private final AtomicLong announce = new AtomicLong(Long.MAX_VALUE);

  private volatile boolean stopped;
  private volatile boolean paused;
  /** Whether a due row may be in the table. */
  private volatile boolean maybeDue = true;
  private volatile long countsAt;
  /** Items by node and state, read with the shared counts. */
  private volatile java.util.Map<String, java.util.Map<String, Long>> perNode = java.util.Map.of();
  /** Items workers took from the buffer; a buffer no worker took from between two polls is handed back. */
  private final AtomicLong takes = new AtomicLong();
  private long takesAtPoll;
  private boolean bufferedAtPoll;
  /**
   * Set when this node handed back a buffer its busy workers did not take from: no claims until the next poll or a
   * worker asking (another node may take those items meanwhile).
   */
  private volatile boolean holding;
  private Runnable due = () -> { };
  private Context context;
  /** Registered on the store's context, unregistered by the stop on another. */
  private volatile MessageConsumer<Long> consumer;
  /** Context-only: the timer for the next due time known, and that time. */
  private long dueTimer = -1;
  private long dueTimerAt = Long.MAX_VALUE;

  PostgresItemStore(QueueOptions options, PostgresDatabase db, Function<String, Handlers.Entry> handlers) {
    this.queue = options.name();
    this.db = db;
    this.handlers = handlers;
    // What one node claims ahead, another idle node cannot run until the poll hands it back (see poll()).
    this.ahead = Math.max(64, Math.min(1024, options.concurrency() * 4));
    this.recent = new StatusStore(Math.min(options.statusRetention(), 4096), ahead + options.concurrency());
    for (ItemState s : ItemState.values()) {
      reached[s.ordinal()] = new LongAdder();
    }
    this.limits = new TypeLimits(options.typeConcurrency());
    this.limitedTypes = limits.types().toArray(new String[0]);
    for (String type : limitedTypes) {
      typeWanted.put(type, new AtomicBoolean(true));
    }
    this.buffer = new TypedChannel(limits);
    this.local = new TypedChannel(limits);
    this.uniqueWindowMs = options.uniqueWindow().toMillis();
    this.retentionMs = options.retentionTime().toMillis();
    this.retentionCount = options.retentionCount();
  }

  /** A row may have become due (an append, a retry, a hand-back, a wake-up): every claim looks again. */
  private void mayBeDue() {
    maybeDue = true;
    for (AtomicBoolean w : typeWanted.values()) {
      w.set(true);
    }
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public Future<Long> open(Context context, Runnable due) {
    this.due = due;
    this.context = context;
    localDelayed.open(context, due);
    Promise<Void> registered = Promise.promise();
    // Heard on the store's own context, where a claim is issued and answered: a wake claims without a hop to
    // another event loop. Due timers stay on the queue's context.
    db.home().runOnContext(x -> {
      consumer = db.vertx().eventBus().<Long>consumer(PostgresDatabase.DUE_ADDRESS + queue).handler(m -> {
        long at = m.body() == null ? 0 : m.body();
        if (at <= System.currentTimeMillis()) {
          wokenNow(PostgresDatabase.passedOn(m));
        } else {
          context.runOnContext(y -> woken(at));
        }
      });
      consumer.completion().onComplete(registered);
    });
    return registered.future()
        .compose(v -> db.query("SELECT (SELECT paused FROM berth_queues WHERE name = $1)", Tuple.of(queue)))
        .compose(rows -> {
          Boolean p = rows.iterator().next().getBoolean(0);
          paused = p != null && p;
          return refreshCounts();
        })
        .map(v -> {
          long n = Math.max(0, onDisk.get());
          if (n > 0) {
            log.info("Queue '{}': {} item(s) queued in the shared store", queue, n);
          }
          context.runOnContext(x -> fetch());
          return n;
        });
  }

  private Future<Void> refreshCounts() {
    countsAt = System.currentTimeMillis();
    return db.query("SELECT count(*) FILTER (WHERE state = 'queued'),"
            + " count(*) FILTER (WHERE state = 'queued' AND attempts > 0), count(*) FILTER (WHERE state = 'dead')"
            + " FROM berth_items WHERE queue = $1 AND state IN ('queued', 'dead')", Tuple.of(queue))
        .map(rows -> {
          Row r = rows.iterator().next();
          onDisk.set(r.getLong(0));
          retrying.set(r.getLong(1));
          deadNow.set(r.getLong(2));
          return null;
        })
        .compose(v -> db.query("SELECT node, state, count(*) FROM berth_items WHERE queue = $1 AND node IS NOT NULL"
            + " GROUP BY node, state", Tuple.of(queue)))
        .map(rows -> {
          java.util.Map<String, java.util.Map<String, Long>> counts = new java.util.TreeMap<>();
          for (Row r : rows) {
            counts.computeIfAbsent(r.getString(0), n -> new java.util.TreeMap<>()).put(r.getString(1), r.getLong(2));
          }
          perNode = java.util.Collections.unmodifiableMap(counts);
          return null;
        })
        // The pause is the queue's, shared: another node may have paused or resumed it.
        .compose(v -> db.query("SELECT (SELECT paused FROM berth_queues WHERE name = $1)", Tuple.of(queue)))
        .map(rows -> {
          Boolean p = rows.iterator().next().getBoolean(0);
          boolean now = p != null && p;
          if (paused && !now && context != null) {
            paused = false;
            context.runOnContext(x -> {
              mayBeDue();
              fetch();
            });
          }
          paused = now;
          return null;
        });
  }

  @Override
  public Boolean sharedPaused() {
    return paused;
  }

  @Override
  public java.util.Map<String, java.util.Map<String, Long>> perNode() {
    return perNode;
  }

  @Override
  public boolean pausedAtOpen() {
    return paused;
  }

  @Override
  public Future<Void> pause(boolean pause) {
    paused = pause;
    Context caller = Vertx.currentContext();
    Future<Void> written = db.query("INSERT INTO berth_queues (name, paused) VALUES ($1, $2)"
        + " ON CONFLICT (name) DO UPDATE SET paused = excluded.paused", Tuple.of(queue, pause)).<Void>mapEmpty();
    return Futures.backOn(caller, wrapped(written.onSuccess(v -> {
      if (!pause) {
        // Every node claims again now rather than at its next poll.
        db.publishDue(queue, System.currentTimeMillis());
      }
    })));
  }

  // ---------------------------------------------------------------- append

  @Override
  public Future<String> append(Item item) {
    if (stopped) {
      return Future.failedFuture(WorkException.stopping(queue, true));
    }
    if (item.local) {   // in-process work: a lambda cannot be stored
      recent.add(item);
      if (item.runAtMillis > item.enqueuedMillis) {
        localDelayed.add(item);
      } else {
        local.offer(item);
      }
      return Future.succeededFuture(null);
    }
    Context caller = Vertx.currentContext();
    Future<String> stored = insert(item, 0).andThen(ar -> {
      if (ar.succeeded() && ar.result() == null) {
        onDisk.incrementAndGet();
        announce(item.runAtMillis);
      } else if (ar.failed()) {
        log.error("Queue '{}': item {} of type '{}' was not stored: {}", queue, item.id, item.type,
            ar.cause().toString());
      }
    });
    return Futures.backOn(caller, wrapped(stored));
  }

  /**
   * Inserts the row; with a key that another item holds (unfinished, or finished within {@code uniqueWindow}),
   * completes with that item's id instead. The unique index over every keyed row decides between concurrent enqueues
   * on any nodes; a row whose hold ran out lets go of its key here, and the insert is tried again.
   */
  private Future<String> insert(Item item, int tries) {
    Tuple row = Tuple.of(item.id, queue, item.type, item.payload.encode(), PostgresDatabase.time(item.runAtMillis),
        PostgresDatabase.time(item.enqueuedMillis), item.key);
    PostgresBatcher batcher = item.key == null ? db.inserts() : db.keyedInserts();
    return batcher.submit(row).compose(rs -> {
      if (rs.rowCount() > 0 || item.key == null) {
        return Future.succeededFuture((String) null);
      }
      return db.query(RELEASE_KEY, Tuple.of(queue, item.key, uniqueWindowMs))
          .compose(freed -> freed.rowCount() > 0 ? Future.succeededFuture((String) null)
              : db.query("SELECT id FROM berth_items WHERE queue = $1 AND key = $2", Tuple.of(queue, item.key))
                  .map(found -> found.size() == 0 ? null : found.iterator().next().getString(0)))
          .compose(holder -> {
            if (holder != null) {
              return Future.succeededFuture(holder);
            }
            // The holder let go of the key (here, or its end) between the statements: try again.
            return tries < 5 ? insert(item, tries + 1) : Future.failedFuture(new WorkException(
                WorkException.STORE_UNAVAILABLE, "queue '" + queue + "' could not settle unique key '" + item.key
                + "'"));
          });
    });
  }

  /** A failure of the store as the admission reports it: 503 {@code store_unavailable}. */
  private <T> Future<T> wrapped(Future<T> f) {
    return f.recover(e -> Future.failedFuture(e instanceof WorkException || e instanceof IllegalArgumentException ? e
        : new WorkException(WorkException.STORE_UNAVAILABLE, "queue '" + queue + "' could not read or write its"
        + " store: " + e.getMessage())));
  }

  /**
   * Tells the nodes that an item is due at {@code at}; one message per burst of appends. Due now, and no type with
   * a limit: one node, in turn (it claims them all, or passes the wake on when it has no room); later, or with
   * limited types: every node, this one included.
   */
  private void announce(long at) {
    long before = announce.getAndAccumulate(at, Math::min);
    if (before == Long.MAX_VALUE) {
      // On the context that saw the commit (the store's own, after a batch): the batch's items still share one
      // message, and it waits for no other event loop.
      Context here = Vertx.currentContext();
      (here != null ? here : context).runOnContext(v -> db.announceDue(queue, announce.getAndSet(Long.MAX_VALUE),
          limitedTypes.length == 0));
    }
  }

  // ---------------------------------------------------------------- claims

  /**
   * A {@code berth.due.<queue>} message for items due now, on the store's context (it only claims). A wake sent to
   * this node alone ({@code passedOn} false) that it cannot act on, its claimed-ahead buffer half full or its queue
   * stopping here, is passed on to every node: one of them has room.
   */
  private void wokenNow(boolean passedOn) {
    wakes.incrementAndGet();
    mayBeDue();
    boolean noRoom = stopped || holding || buffered.get() - limitedBuffered() >= ahead / 2;
    // Rows committed after the claim in flight began are not in its answer: claim again now rather than after it.
    fetch(2, true);
    if (noRoom && !passedOn && !paused) {
      db.passOnDue(queue);
    }
  }

  /**
   * A {@code berth.due.<queue>} publish for items due later, or a due timer: runs on the queue's context (the due
   * timers are the queue's).
   */
  private void woken(long at) {
    if (at <= System.currentTimeMillis()) {
      wakes.incrementAndGet();
      mayBeDue();
      fetch(2, false);
    } else {
      planAt(at);
    }
  }

  /** Plans a claim at {@code at} unless one is planned earlier. Runs on the queue's context. */
  private void planAt(long at) {
    if (stopped || at >= dueTimerAt) {
      return;
    }
    if (dueTimer >= 0) {
      db.vertx().cancelTimer(dueTimer);
    }
    dueTimerAt = at;
    dueTimer = db.vertx().setTimer(Math.max(1, at - System.currentTimeMillis()), id -> {
      dueTimer = -1;
      dueTimerAt = Long.MAX_VALUE;
      woken(System.currentTimeMillis());
    });
  }

  /** The fallback poll (every {@code store.pollInterval}): claims, rewrites failed ends, refreshes the counts. */
  void poll() {
    if (stopped || context == null) {
      return;
    }
    context.runOnContext(v -> {
      long t = takes.get();
      // Stale: items waited in the buffer since the last poll and no worker took one (all busy): let another
      // node run them, and skip one round of claims so that it can.
      boolean stale = t == takesAtPoll && bufferedAtPoll && !buffer.isEmpty() && !stopped;
      takesAtPoll = t;
      if (holding) {
        holding = false;
      } else if (stale) {
        int n = handBack();
        holding = true;
        log.debug("Queue '{}': {} item(s) claimed ahead handed back: no worker free on this node", queue, n);
      }
      bufferedAtPoll = !buffer.isEmpty();
      mayBeDue();
      fetch();
      for (Item item; (item = unwritten.poll()) != null; ) {
        writeEnd(item);
      }
      if (System.currentTimeMillis() - countsAt >= COUNTS_EVERY_MS) {
        refreshCounts();
      }
    });
  }

  /** One claim statement of a fetch: the main one ({@code type} null), or one limited type's. */
  private record Claim(String type, int want, long mark) {
  }

  /**
   * Claims the next due rows into the buffer when it runs low; one fetch at a time. The types without a limit are
   * claimed by one statement (up to {@code ahead}); each limited type by its own, up to its limit minus what runs and
   * waits here, so a saturated type is not claimed at all and its rows stay in the table for other nodes.
   */
  private void fetch() {
    fetch(1, false);
  }

  /**
   * Fetches unless {@code most} fetches are in flight already: two only for a wake, which came after the first began
   * (rows it announces are not in the first one's answer). Limited types are claimed only by a fetch that runs alone:
   * their room counts what waits and runs here, not what a claim in flight is about to bring. A claim made for a
   * wake that finds fewer rows than it asked for does not look for later due times: those were announced to every
   * node when written (see {@link #announce}), and the claims of the poll and of the due timers still look (two
   * statements fewer per wake, half of them when items arrive one at a time).
   */
  private void fetch(int most, boolean forWake) {
    if (stopped || paused || holding) {
      return;
    }
    int n;
    do {
      n = claiming.get();
      if (n >= most) {
        return;
      }
    } while (!claiming.compareAndSet(n, n + 1));
    boolean alone = n == 0;
    List<Claim> claims = new ArrayList<>();
    long mark = wakes.get();
    int open = buffered.get() - limitedBuffered();
    if (maybeDue && open < ahead / 2) {
      claims.add(new Claim(null, ahead - open, mark));
    }
    for (String type : alone ? limitedTypes : new String[0]) {
      int room = room(type);
      if (room > 0 && typeWanted.get(type).compareAndSet(true, false)) {
        claims.add(new Claim(type, room, mark));
      }
    }
    if (claims.isEmpty()) {
      claiming.decrementAndGet();
      return;
    }
    List<Future<RowSet<Row>>> runs = new ArrayList<>();
    for (Claim c : claims) {
      Tuple args = Tuple.of(db.nodeId(), queue, c.want(), db.leaseMillis());
      if (c.type() != null) {
        args.addString(c.type());
      } else if (limitedTypes.length > 0) {
        args.addArrayOfString(limitedTypes);
      }
      runs.add(db.claim(c.type() != null ? CLAIM_TYPE : limitedTypes.length > 0 ? CLAIM_OPEN : CLAIM, args));
    }
    Future.join(runs).onComplete(all -> {
      List<Claim> drained = new ArrayList<>();
      try {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < claims.size(); i++) {
          Claim c = claims.get(i);
          Future<RowSet<Row>> run = runs.get(i);
          if (run.failed()) {
            if (c.type() != null) {
              typeWanted.get(c.type()).set(true);   // the next poll tries again
            }
            continue;
          }
          int got = 0;
          for (Row r : run.result()) {
            String type = r.getString(2);
            items.add(Item.stored(r.getLong(0), r.getString(1), type, new JsonObject(r.getString(3)),
                handlers.apply(type), r.getInteger(4) - 1, millis(r, 6), millis(r, 5),
                StoredItems.errors(r.getString(7))));
            got++;
          }
          if (got < c.want()) {
            if (c.type() == null && wakes.get() == c.mark()) {
              maybeDue = false;
            }
            drained.add(c);
          } else if (c.type() != null) {
            typeWanted.get(c.type()).set(true);   // more may be due: looked for when it has room again
          }
        }
        // RETURNING gives no order: due time, then admission order.
        items.sort(Comparator.comparingLong((Item i) -> i.runAtMillis).thenComparingLong(i -> i.seq));
        hand(items);
      } finally {
        claiming.decrementAndGet();   // whatever happened, the next claim may run
      }
      if (!forWake) {
        for (Claim c : drained) {
          nextDue(c.type());
        }
      }
      if (all.succeeded()) {
        fetch();
      }
    });
  }

  /**
   * How many more rows of limited {@code type} to claim: up to its limit, running and claimed ahead together. Not
   * more: a row of a type this node cannot start now stays in the table, where a node with room takes it. Read in
   * this order (waiting, then running), a worker between taking the slot and the item makes it smaller, never larger.
   */
  private int room(String type) {
    int waiting = buffer.count(type);
    return limits.limit(type) - waiting - limits.running(type);
  }

  private int limitedBuffered() {
    int n = 0;
    for (String type : limitedTypes) {
      n += buffer.count(type);
    }
    return n;
  }

  /** Hands claimed items to the workers (or back to the table when the queue stopped meanwhile). */
  private void hand(List<Item> items) {
    onDisk.addAndGet(-items.size());
    for (Item item : items) {
      if (item.attempts() > 0) {
        retrying.updateAndGet(n -> Math.max(0, n - 1));
      }
      if (stopped) {
        item.requeue();
        ended.decrement();
        recorded(item);
        continue;
      }
      if (item.handler == null) {
        // Its type has no handler here (another node may have one; this one cannot run it).
        item.start();
        item.end(ItemState.FAILED, "queue '" + queue + "' has no handler for type '" + item.type + "'");
        log.error("Queue '{}': item {} of type '{}' failed: no handler for its type", queue, item.id, item.type);
        recorded(item);
        continue;
      }
      recent.add(item);
      buffer.offer(item);
      buffered.incrementAndGet();
      due.run();
    }
  }

  /**
   * After a claim found fewer rows than it asked for: plans a claim at the earliest later run time of the rows it
   * looks at (the types without a limit, or limited {@code type}).
   */
  private void nextDue(String type) {
    Future<RowSet<Row>> min;
    if (type != null) {
      min = db.query("SELECT min(run_at) FROM berth_items WHERE queue = $1 AND type = $2 AND state = 'queued'",
          Tuple.of(queue, type));
    } else if (limitedTypes.length > 0) {
      min = db.query("SELECT min(run_at) FROM berth_items WHERE queue = $1 AND state = 'queued'"
          + " AND type <> ALL($2::text[])", Tuple.of(queue).addArrayOfString(limitedTypes));
    } else {
      min = db.query("SELECT min(run_at) FROM berth_items WHERE queue = $1 AND state = 'queued'", Tuple.of(queue));
    }
    min.onSuccess(rows -> {
      long at = millis(rows.iterator().next(), 0);
      if (at > 0) {
        context.runOnContext(v -> planAt(at));
      }
    });
  }

  private static long millis(Row r, int column) {
    java.time.OffsetDateTime t = r.getOffsetDateTime(column);
    return t == null ? 0 : t.toInstant().toEpochMilli();
  }

  @Override
  public Item claim() {
    if (stopped) {
      return null;
    }
    Item item = localDelayed.pollDue();
    if (item != null && !limits.tryAcquire(item.type)) {
      local.offer(item);   // due, its type at its limit: it waits behind nobody of another type
      item = null;
    }
    if (item == null) {
      item = local.poll();
    }
    if (item == null) {
      item = buffer.poll();
      if (item == null) {
        holding = false;   // a worker asks: claim for it
        fetch();
        return null;
      }
      takes.incrementAndGet();
      if (buffered.decrementAndGet() < ahead / 2) {
        fetch();
      }
    }
    return item;
  }

  @Override
  public boolean hasDue() {
    return !stopped && (buffer.hasClaimable() || local.hasClaimable() || localDelayed.hasDue());
  }

  @Override
  public void started(Item item) {
    started.increment();
  }

  // ---------------------------------------------------------------- ends

  @Override
  public void finished(Item item) {
    if (limits.release(item.type)) {
      // Its type has room again: its rows may be claimed ahead again (after this end is recorded).
      AtomicBoolean wanted = typeWanted.get(item.type);
      recorded(item);
      wanted.set(true);
      if (!stopped) {
        fetch();
      }
      return;
    }
    recorded(item);
  }

  /** Records the end of a run, or a claimed item given back, that held no slot of its type (or has none). */
  private void recorded(Item item) {
    ItemState state = item.state();
    ended.increment();
    if (state == ItemState.RETRYING) {
      if (item.local) {
        localDelayed.add(item);
        return;
      }
      retrying.incrementAndGet();
      onDisk.incrementAndGet();
    } else {
      if (state == ItemState.QUEUED) {
        onDisk.incrementAndGet();   // handed back at a stop
      } else {
        reached[state.ordinal()].increment();
        if (state == ItemState.DEAD) {
          deadNow.incrementAndGet();
        }
      }
      recent.finished(item);
    }
    if (!item.local) {
      writeEnd(item);
    }
  }

  /** The END statement's parameters for {@code item} as it stands. */
  private Tuple endRow(Item item) {
    ItemStatus s = item.snapshot(queue);
    ItemState state = s.state();
    // The key holds while the item is queued again, and after its end within the unique window (not cancelled).
    boolean keep = state == ItemState.RETRYING || state == ItemState.QUEUED
        || uniqueWindowMs > 0 && state != ItemState.CANCELLED;
    return Tuple.of(StoredItems.stored(state), s.attempts(), PostgresDatabase.time(s.startedAt()),
            PostgresDatabase.time(s.finishedAt()), s.error(), PostgresDatabase.time(item.runAtMillis),
            StoredItems.errorsColumn(s.errors()))
        .addLong(item.seq).addString(db.nodeId()).addBoolean(keep);
  }

  private void writeEnd(Item item) {
    ItemStatus s = item.snapshot(queue);
    Future<RowSet<Row>> write = db.ends().submit(endRow(item));
    writes.add(write);
    write.onComplete(ar -> {
      writes.remove(write);
      if (ar.failed()) {
        if (!stopped || PostgresDatabase.isOutage(ar.cause())) {
          unwritten.offer(item);
        }
        log.error("Queue '{}': the end of item {} ({}) was not written: {}; written again when the store answers",
            queue, item.id, s.state().label(), ar.cause().toString());
      } else if (ar.result().rowCount() == 0) {
        recent.forget(item);   // another node's run decides its status: read it from the table
        log.warn("Queue '{}': item {} ended here ({}) after its lease passed to another node; the other node's run"
            + " decides its outcome", queue, item.id, s.state().label());
      } else if (s.state() == ItemState.RETRYING || s.state() == ItemState.QUEUED) {
        // Back in the shared table: any node may run it next, so its status is the table's, not this memory's.
        recent.forget(item);
        announce(item.runAtMillis);
      }
    });
  }

  // ---------------------------------------------------------------- status, cancel, listings

  @Override
  public Optional<ItemStatus> status(String id) {
    Item item = recent.get(id);
    if (item == null) {
      return Optional.empty();
    }
    ItemStatus s = item.snapshot(queue);
    return Optional.of(item.seq != 0 ? s.withNode(db.nodeId()) : s);
  }

  @Override
  public Future<Optional<ItemStatus>> find(String id) {
    Optional<ItemStatus> known = status(id);
    if (known.isPresent()) {
      return Future.succeededFuture(known);
    }
    return read("SELECT " + COLUMNS + " FROM berth_items WHERE id = $1 AND queue = $2", Tuple.of(id, queue))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(row(rows.iterator().next())));
  }

  private ItemStatus row(Row r) {
    int attempts = r.getInteger(3);
    return new ItemStatus(r.getString(0), queue, r.getString(1), StoredItems.shown(r.getString(2), attempts),
        attempts, PostgresDatabase.instant(r, 4), PostgresDatabase.instant(r, 5), PostgresDatabase.instant(r, 6),
        r.getString(7), PostgresDatabase.instant(r, 8), StoredItems.errors(r.getString(9)), r.getString(10));
  }

  /** One statement, its failure reported as {@code store_unavailable}, completing on the caller's context. */
  private Future<RowSet<Row>> read(String sql, Tuple args) {
    Context caller = Vertx.currentContext();
    return Futures.backOn(caller, wrapped(db.query(sql, args)));
  }

  /** The payload as stored (in-process work has none, and a row past its retention is gone). */
  @Override
  public Future<Optional<JsonObject>> payload(String id) {
    return read("SELECT payload FROM berth_items WHERE id = $1 AND queue = $2", Tuple.of(id, queue))
        .map(rows -> rows.size() == 0 ? Optional.<JsonObject>empty()
            : Optional.of(new JsonObject(rows.iterator().next().getString(0))));
  }

  @Override
  public Future<Optional<Cancel>> cancel(String id) {
    Item item = recent.get(id);
    if (item != null && item.local) {   // in-process work: only in memory
      ItemState was = item.state();
      if (was == ItemState.QUEUED && (local.remove(item) || localDelayed.remove(item))
          || was == ItemState.RETRYING && localDelayed.remove(item)) {
        item.end(ItemState.CANCELLED, CANCELLED_BY_REQUEST);
        reached[ItemState.CANCELLED.ordinal()].increment();
        recent.finished(item);
        return Future.succeededFuture(Optional.of(new Cancel(was, item.snapshot(queue))));
      }
      return Future.succeededFuture(Optional.of(StoredItems.running(item, queue)));
    }
    // In the table first (queued or retrying rows); else what this node claimed ahead; else as it stands.
    return read("UPDATE berth_items SET state = 'cancelled', finished_at = now(), error = $3, key = NULL"
        + " WHERE id = $1 AND queue = $2 AND state = 'queued' RETURNING " + COLUMNS, Tuple.of(id, queue,
        CANCELLED_BY_REQUEST)).compose(rows -> {
          if (rows.size() > 0) {
            ItemStatus now = row(rows.iterator().next());
            onDisk.decrementAndGet();
            if (now.attempts() > 0) {
              retrying.updateAndGet(n -> Math.max(0, n - 1));
            }
            reached[ItemState.CANCELLED.ordinal()].increment();
            recent.remove(id);
            return Future.succeededFuture(Optional.of(new Cancel(now.attempts() > 0 ? ItemState.RETRYING
                : ItemState.QUEUED, now)));
          }
          Item claimed = recent.get(id);
          if (claimed != null && claimed.state() == ItemState.QUEUED && buffer.remove(claimed)) {
            // Claimed ahead, not started: its row says running; write it cancelled.
            buffered.decrementAndGet();
            claimed.end(ItemState.CANCELLED, CANCELLED_BY_REQUEST);
            reached[ItemState.CANCELLED.ordinal()].increment();
            recent.finished(claimed);
            writeEnd(claimed);
            return Future.succeededFuture(Optional.of(new Cancel(ItemState.QUEUED, claimed.snapshot(queue))));
          }
          if (claimed != null) {
            return Future.succeededFuture(Optional.of(StoredItems.running(claimed, queue)));
          }
          return find(id).map(s -> s.map(st -> new Cancel(st.state(), st)));
        });
  }

  @Override
  public Future<Page> list(ItemState state, String type, int limit, String cursor) {
    long before;
    try {
      before = StoredItems.cursor(cursor);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM berth_items WHERE queue = $1 AND seq < $2");
    Tuple args = Tuple.of(queue, before);
    if (state != null) {
      // A retrying item is stored queued with attempts behind it.
      if (state == ItemState.RETRYING) {
        sql.append(" AND state = 'queued' AND attempts > 0");
      } else if (state == ItemState.QUEUED) {
        sql.append(" AND state = 'queued' AND attempts = 0");
      } else {
        args.addString(state.label());
        sql.append(" AND state = $").append(args.size());
      }
    }
    if (type != null) {
      args.addString(type);
      sql.append(" AND type = $").append(args.size());
    }
    args.addInteger(limit + 1);
    sql.append(" ORDER BY seq DESC LIMIT $").append(args.size());
    return read(sql.toString(), args).map(rows -> {
      List<ItemStatus> items = new ArrayList<>();
      long last = 0;
      boolean more = false;
      for (Row r : rows) {
        if (items.size() == limit) {
          more = true;
          break;
        }
        items.add(row(r));
        last = r.getLong(11);
      }
      return new Page(items, more ? Long.toString(last) : null);
    });
  }

  @Override
  public Future<List<ItemStatus>> dead(int limit) {
    return read("SELECT " + COLUMNS + " FROM berth_items WHERE queue = $1 AND state = 'dead' ORDER BY seq DESC"
        + " LIMIT $2", Tuple.of(queue, limit)).map(rows -> {
          List<ItemStatus> list = new ArrayList<>();
          rows.forEach(r -> list.add(row(r)));
          return list;
        });
  }

  @Override
  public Future<Optional<ItemState>> revive(String id) {
    return deadRow(id, "UPDATE berth_items SET state = 'queued', attempts = 0, key = NULL, run_at = now(),"
        + " started_at = NULL, finished_at = NULL WHERE id = $1 AND queue = $2 AND state = 'dead' RETURNING seq", true);
  }

  @Override
  public Future<Optional<ItemState>> delete(String id) {
    return deadRow(id, "DELETE FROM berth_items WHERE id = $1 AND queue = $2 AND state = 'dead' RETURNING seq", false);
  }

  /** Runs {@code sql} on the row {@code id} if it is dead; completes with the state it found (empty: no row). */
  private Future<Optional<ItemState>> deadRow(String id, String sql, boolean revive) {
    return read(sql, Tuple.of(id, queue)).compose(rows -> {
      if (rows.size() > 0) {
        recent.remove(id);
        deadNow.decrementAndGet();
        if (revive) {
          onDisk.incrementAndGet();
          announce(System.currentTimeMillis());
        }
        return Future.succeededFuture(Optional.of(ItemState.DEAD));
      }
      return read("SELECT state, attempts FROM berth_items WHERE id = $1 AND queue = $2", Tuple.of(id, queue))
          .map(found -> found.size() == 0 ? Optional.<ItemState>empty() : Optional.of(StoredItems.shown(
              found.iterator().next().getString(0), found.iterator().next().getInteger(1))));
    });
  }

  @Override
  public Future<Long> reviveAll() {
    return read("UPDATE berth_items SET state = 'queued', attempts = 0, key = NULL, run_at = now(), started_at = NULL,"
        + " finished_at = NULL WHERE queue = $1 AND state = 'dead' RETURNING id", Tuple.of(queue)).map(rows -> {
          rows.forEach(r -> recent.remove(r.getString(0)));
          long n = rows.rowCount();
          deadNow.addAndGet(-n);
          onDisk.addAndGet(n);
          if (n > 0) {
            announce(System.currentTimeMillis());
          }
          return n;
        });
  }

  /**
   * Queued, retrying and dead: the shared table's (read every few seconds, kept up to date by this node in
   * between); running and the other final states: this node's.
   */
  @Override
  public boolean shared() {
    return true;
  }

  @Override
  public long count(ItemState state) {
    return switch (state) {
      case QUEUED -> Math.max(0, onDisk.get() - retrying.get()) + buffered.get() + local.size();
      case RETRYING -> Math.max(0, retrying.get()) + localDelayed.size();
      case FAILED -> reached[ItemState.FAILED.ordinal()].sum() + reached[ItemState.DEAD.ordinal()].sum();
      case DEAD -> Math.max(0, deadNow.get());
      case RUNNING -> Math.max(0, started.sum() - ended.sum());
      default -> reached[state.ordinal()].sum();
    };
  }

  // ---------------------------------------------------------------- retention

  /**
   * Deletes this queue's finished items (not dead letters) that ended before {@code retention.time} on the
   * database's clock, or are older than the newest {@code retention.count}, in batches of {@link #RETENTION_BATCH}:
   * each batch one statement (its own short transaction) that locks only finished rows and skips those another
   * node's sweep holds. Completes with how many rows it deleted. Issued from the backend's context, never blocking.
   */
  Future<Integer> retain() {
    if (stopped) {
      return Future.succeededFuture(0);
    }
    return db.query(RETENTION_CUT, Tuple.of(queue, retentionCount, retentionMs)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(0);
      }
      Row cut = rows.iterator().next();
      return retainUpTo(cut.getOffsetDateTime(0), cut.getLong(1), 0);
    });
  }

  private Future<Integer> retainUpTo(java.time.OffsetDateTime at, long seq, int before) {
    return db.query(RETENTION_DELETE, Tuple.of(queue, at, seq)).compose(rs -> {
      int total = before + rs.rowCount();
      if (rs.rowCount() < RETENTION_BATCH || stopped) {
        if (total > 0) {
          log.debug("Queue '{}': {} finished item(s) past their retention deleted", queue, total);
        }
        return Future.succeededFuture(total);
      }
      io.vertx.core.Promise<Integer> next = io.vertx.core.Promise.promise();
      db.vertx().setTimer(RETENTION_PAUSE_MS, id -> retainUpTo(at, seq, total).onComplete(next));
      return next.future();
    });
  }

  // ---------------------------------------------------------------- stop

  /** Stops claiming and hands what it claimed ahead back to the table at once (queued, the claim not counted). */
  @Override
  public StopReport stop() {
    stopped = true;
    if (consumer != null) {
      consumer.unregister();
    }
    if (context != null) {
      context.runOnContext(v -> {
        if (dueTimer >= 0) {
          db.vertx().cancelTimer(dueTimer);
          dueTimer = -1;
        }
      });
    }
    List<String> lost = new ArrayList<>();
    for (Item item : local.drain()) {
      lost.add(item.id);
    }
    for (Item item : localDelayed.drain()) {
      lost.add(item.id);
    }
    int back = handBack();
    if (back > 0) {
      log.info("Queue '{}': {} item(s) claimed ahead are handed back to the shared store", queue, back);
    }
    return new StopReport(Math.max(0, onDisk.get()), lost);
  }

  /** Hands the items claimed ahead back to the table (queued, the claim not counted); returns how many. */
  private int handBack() {
    int back = 0;
    for (Item item : buffer.drain()) {
      buffered.decrementAndGet();
      item.requeue();
      ended.decrement();   // recorded() counts an end; this item never started
      recorded(item);
      back++;
    }
    return back;
  }

  /**
   * After the last end was reported: waits for the writes in flight (and tries the failed ones once more), then
   * counts the queue's unfinished rows.
   */
  @Override
  public Future<Long> flush() {
    return Future.join(new ArrayList<>(writes)).transform(x -> {
      List<Future<?>> again = new ArrayList<>();
      for (Item item; (item = unwritten.poll()) != null; ) {
        Item it = item;
        again.add(db.ends().submit(endRow(it)).onSuccess(r -> announce(it.runAtMillis)));
      }
      return Future.join(again);
    }).compose(x -> db.query("SELECT count(*) FROM berth_items WHERE queue = $1"
            + " AND state IN ('queued', 'running')", Tuple.of(queue)))
        .map(rows -> rows.iterator().next().getLong(0));
  }
}
