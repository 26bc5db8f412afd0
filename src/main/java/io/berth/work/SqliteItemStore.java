package io.berth.work;

import io.berth.core.internal.Futures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One queue's items in the {@link SqliteDatabase}: an append completes once its row is committed (group commit);
 * the workers claim from a small buffer that the writer fills with the next due rows, claimed ({@code running},
 * attempt counted) in the same transaction as the appends. Items wait on disk, so memory stays bounded by the
 * buffer whatever the backlog. Ends are written behind; an item whose end was not written runs again after a
 * restart. In-process work ({@link LocalWork}: a lambda) cannot be stored and stays in memory, lost at a stop.
 */
final class SqliteItemStore implements ItemStore {

  private static final Logger log = LoggerFactory.getLogger(SqliteItemStore.class);

  private final String queue;
  private final SqliteDatabase db;
  private final Function<String, Handlers.Entry> handlers;
  /** The most items claimed ahead of the workers. */
  private final int ahead;
  private final TypeLimits limits;
  /** Claimed ahead of the workers, by type when types have limits. */
  private final TypedChannel buffer;
  private final TypedChannel local;
  /** Per limited type (writer-owned): whether to look for its rows, and the run time of its next queued row. */
  private final java.util.Map<String, TypeClaim> typeClaims = new java.util.HashMap<>();
  /** The main claim's filter: the limited types are claimed by their own statements. */
  private final String notLimited;
  private final long uniqueWindowMs;
  private final long retentionMs;
  private final int retentionCount;
  private PayloadBudget budget = new PayloadBudget("none", 0, null);
  /** Payload bytes this queue read back from disk and still holds (claimed ahead, or running). */
  private final AtomicLong held = new AtomicLong();
  /** In-process work not due yet (delayed, or retrying): it cannot be stored either. */
  private final DelayedItems localDelayed = new DelayedItems();
  /** Stored items waiting for a retry (approximate: counted as they fail, and as they are claimed again). */
  private final AtomicLong retrying = new AtomicLong();
  /** Dead rows of the queue (the dead letters), counted at open and kept up to date. */
  private final AtomicLong deadNow = new AtomicLong();
  private final AtomicInteger buffered = new AtomicInteger();
  private final StatusStore recent;
  /** Whether the writer was asked for a batch and has not run since. */
  private final AtomicBoolean fetchAsked = new AtomicBoolean();
  /** Rows queued on disk and not claimed (approximate between transactions). */
  private final AtomicLong onDisk = new AtomicLong();
  private final LongAdder started = new LongAdder();
  private final LongAdder ended = new LongAdder();
  private final LongAdder[] reached = new LongAdder[ItemState.values().length];

  private volatile boolean stopped;
  /** While set, the writer claims nothing ahead: a paused queue's rows stay queued on disk. */
  private volatile boolean paused;
  /** Writer-only: whether a due row may be on disk; the earliest run time of a queued row (MAX_VALUE: none). */
  private volatile boolean maybeDue = true;
  private volatile long nextDueAt = Long.MAX_VALUE;
  /** The last claim-ahead stopped at the payload budget: the writer does not wait for due rows until a run ends. */
  private volatile boolean budgetCut;
  private Runnable due = () -> { };
  private final List<Item> claimedNow = new ArrayList<>();

  // Writer-only prepared statements.
  private PreparedStatement insert;
  private PreparedStatement byKey;
  private PreparedStatement claim;
  private PreparedStatement nextDue;
  private PreparedStatement end;

  SqliteItemStore(QueueOptions options, SqliteDatabase db, Function<String, Handlers.Entry> handlers) {
    this.queue = options.name();
    this.db = db;
    this.handlers = handlers;
    this.ahead = Math.max(64, Math.min(1024, options.concurrency() * 4));
    this.limits = new TypeLimits(options.typeConcurrency());
    this.buffer = new TypedChannel(limits);
    this.local = new TypedChannel(limits);
    StringBuilder not = new StringBuilder();
    for (String type : limits.types()) {
      typeClaims.put(type, new TypeClaim(type));
      not.append(not.length() == 0 ? " AND type NOT IN (" : ", ").append(quoted(type));
    }
    this.notLimited = not.length() == 0 ? "" : not.append(')').toString();
    this.uniqueWindowMs = options.uniqueWindow().toMillis();
    this.retentionMs = options.retentionTime().toMillis();
    this.retentionCount = options.retentionCount();
    this.recent = new StatusStore(Math.min(options.statusRetention(), 4096), ahead + options.concurrency());
    for (ItemState s : ItemState.values()) {
      reached[s.ordinal()] = new LongAdder();
    }
  }

  /** A string literal for SQL (type names come from config and handlers; quoted, never trusted). */
  private static String quoted(String s) {
    return "'" + s.replace("'", "''") + "'";
  }

  /** The claim-ahead state of one limited type (read by the writer's wait, written by the writer and by ends). */
  private static final class TypeClaim {
    final String type;
    volatile boolean wanted = true;
    volatile long nextDueAt = Long.MAX_VALUE;
    PreparedStatement claim;
    PreparedStatement nextDue;

    TypeClaim(String type) {
      this.type = type;
    }
  }

  /** Test seam: the database. */
  SqliteDatabase database() {
    return db;
  }

  /** Test seam: what this queue holds in memory: items claimed ahead, and items whose status it caches. */
  int buffered() {
    return buffer.size();
  }

  int cached() {
    return recent.size();
  }

  long budgetUsed() {
    return budget.used();
  }

  /** The most items claimed ahead of the workers. */
  int ahead() {
    return ahead;
  }

  @Override
  public boolean durable() {
    return true;
  }

  @Override
  public void useBudget(PayloadBudget budget) {
    this.budget = budget;
  }

  /** A row may have become due (an append, a retry, a revive): the writer looks again, for every type. */
  private void mayBeDue() {
    maybeDue = true;
    for (TypeClaim t : typeClaims.values()) {
      t.wanted = true;
    }
  }

  @Override
  public Future<Long> open(Context context, Runnable due) {
    this.due = due;
    localDelayed.open(context, due);
    Promise<Long> kept = Promise.promise();
    db.register(this);
    db.submit(new SqliteDatabase.Op() {
      long n;

      @Override
      public void run(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM items WHERE queue = ? AND state = ?")) {
          s.setString(1, queue);
          s.setString(2, ItemState.QUEUED.label());
          try (ResultSet r = s.executeQuery()) {
            n = r.next() ? r.getLong(1) : 0;
          }
          s.setString(2, ItemState.DEAD.label());
          try (ResultSet r = s.executeQuery()) {
            deadNow.set(r.next() ? r.getLong(1) : 0);
          }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT paused FROM queues WHERE name = ?")) {
          s.setString(1, queue);
          try (ResultSet r = s.executeQuery()) {
            paused = r.next() && r.getInt(1) != 0;
          }
        }
      }

      @Override
      public void committed() {
        onDisk.addAndGet(n);
        if (n > 0) {
          log.info("Queue '{}': {} item(s) kept in the store from the last run", queue, n);
        }
        kept.complete(n);
      }

      @Override
      public void failed(Throwable e) {
        kept.fail(e);
      }
    });
    return kept.future();
  }

  @Override
  public boolean pausedAtOpen() {
    return paused;
  }

  @Override
  public Future<Void> pause(boolean pause) {
    paused = pause;
    return this.<Void>read(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO queues (name, paused) VALUES (?, ?)"
          + " ON CONFLICT (name) DO UPDATE SET paused = excluded.paused")) {
        s.setString(1, queue);
        s.setInt(2, pause ? 1 : 0);
        s.executeUpdate();
      }
      return null;
    }, v -> {
      if (!pause) {
        mayBeDue();
      }
    });
  }

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
    Promise<String> stored = Promise.promise();
    Context caller = Vertx.currentContext();
    db.submit(new SqliteDatabase.Op() {
      String first;

      @Override
      public void run(Connection c) throws SQLException {
        // One writer: the lookup and the insert cannot interleave with another enqueue of the same key.
        first = item.key == null ? null : withKey(c, item.key, System.currentTimeMillis());
        if (first == null) {
          insert(c, item);
        }
      }

      @Override
      public void committed() {
        if (first == null) {
          onDisk.incrementAndGet();
          mayBeDue();
        }
        stored.complete(first);
      }

      @Override
      public void failed(Throwable e) {
        log.error("Queue '{}': item {} of type '{}' was not stored: {}", queue, item.id, item.type, e.toString());
        stored.fail(e instanceof WorkException ? e : new WorkException(WorkException.STORE_UNAVAILABLE,
            "queue '" + queue + "' could not store the item: " + e.getMessage()));
      }
    });
    return Futures.backOn(caller, stored.future());
  }

  /**
   * The id of the item of the queue with {@code key} that makes a new one a duplicate: an unfinished one, or one
   * that finished (not cancelled) within {@code uniqueWindow} of {@code now}, compared with its stored end time.
   */
  private String withKey(Connection c, String key, long now) throws SQLException {
    if (byKey == null) {
      byKey = c.prepareStatement("SELECT id FROM items WHERE queue = ? AND key = ? AND (state IN ('queued', 'running')"
          + " OR state <> 'cancelled' AND finished_at >= ?) ORDER BY seq DESC LIMIT 1");
    }
    long since = uniqueWindowMs > 0 ? now - uniqueWindowMs : Long.MAX_VALUE;
    byKey.setString(1, queue);
    byKey.setString(2, key);
    byKey.setLong(3, since);
    try (ResultSet r = byKey.executeQuery()) {
      return r.next() ? r.getString(1) : null;
    }
  }

  private void insert(Connection c, Item item) throws SQLException {
    if (insert == null) {
      insert = c.prepareStatement("INSERT INTO items (id, queue, type, payload, state, attempts, run_at, enqueued_at,"
          + " key) VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?)");
    }
    insert.setString(7, item.key);
    insert.setString(1, item.id);
    insert.setString(2, queue);
    insert.setString(3, item.type);
    insert.setString(4, item.payload.encode());
    insert.setLong(5, item.runAtMillis);
    insert.setLong(6, item.enqueuedMillis);
    insert.executeUpdate();
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
        askForMore();
        return null;
      }
      if (buffered.decrementAndGet() < ahead / 2) {
        askForMore();
      }
    }
    return item;
  }

  private void askForMore() {
    if ((maybeDue || nextDueAt <= System.currentTimeMillis()) && fetchAsked.compareAndSet(false, true)) {
      db.nudge();
    }
  }

  @Override
  public boolean hasDue() {
    return !stopped && (buffer.hasClaimable() || local.hasClaimable() || localDelayed.hasDue());
  }

  /** The writer's wait bound for this queue: 0 when it wants a batch now, else until its next due row. */
  long millisUntilDue(long now) {
    if (stopped || paused || budgetCut || readable() == 0) {
      return Long.MAX_VALUE;   // no budget left to read with: a run's end (its worker's next claim) asks again
    }
    long wait = Long.MAX_VALUE;
    for (TypeClaim t : typeClaims.values()) {
      if (room(t.type) > 0) {
        wait = Math.min(wait, t.wanted ? (onDisk.get() > 0 ? 0 : Long.MAX_VALUE)
            : t.nextDueAt == Long.MAX_VALUE ? Long.MAX_VALUE : t.nextDueAt - now);
      }
    }
    if (buffered.get() >= ahead / 2) {
      return wait;
    }
    if (maybeDue) {
      return Math.min(wait, buffered.get() == 0 && onDisk.get() > 0 ? 0 : Long.MAX_VALUE);
    }
    return Math.min(wait, nextDueAt == Long.MAX_VALUE ? Long.MAX_VALUE : nextDueAt - now);
  }

  /** How many more rows of limited {@code type} to claim ahead: up to twice its limit, running and buffered. */
  private int room(String type) {
    return 2 * limits.limit(type) - limits.running(type) - buffer.count(type);
  }

  /**
   * The payload bytes the claim-ahead may read now: half of what the budget has left, so that admissions (whose
   * payloads are held until their commit) keep room; when the queue holds nothing in memory, any one item (so work
   * always moves, however large).
   */
  private long readable() {
    return Math.max(0, Math.min(budget.available() / 2, budget.max() / AHEAD_SHARE - held.get()));
  }

  /** Whether the queue holds no item in memory: its next claim takes one item whatever its size. */
  private boolean idle() {
    return buffered.get() == 0 && started.sum() == ended.sum();
  }

  /** A queue's claimed-ahead and running payloads hold at most this fraction of its budget's limit. */
  private static final int AHEAD_SHARE = 8;


  /** Writer, inside the transaction: claims the next due rows when the buffer runs low. */
  void claimAhead(Connection c, long now) throws SQLException {
    fetchAsked.set(false);
    if (stopped || paused) {
      return;
    }
    budgetCut = false;
    long readable = readable();
    boolean idle = idle();
    for (TypeClaim t : typeClaims.values()) {
      int room = room(t.type);
      if (room > 0 && (t.wanted || t.nextDueAt <= now) && (readable > 0 || idle)) {
        t.wanted = false;
        if (t.claim == null) {
          t.claim = c.prepareStatement(claimSql(" AND type = " + quoted(t.type)));
          t.nextDue = c.prepareStatement("SELECT min(run_at) FROM items WHERE queue = ? AND type = "
              + quoted(t.type) + " AND state = 'queued'");
        }
        int got = claim(t.claim, now, room, readable, idle);
        long bytes = bytesClaimed(got);
        if (got < room && cut(readable, idle, got, bytes)) {
          t.wanted = true;   // due rows may be left: looked for again once the budget frees up
          budgetCut = true;
        } else if (got < room) {
          t.nextDueAt = nextDue(t.nextDue);
        }
        readable = Math.max(0, readable - bytes);
        idle &= got == 0;
      }
    }
    int want = ahead - buffered.get();
    if (want < ahead / 2 || !(maybeDue || nextDueAt <= now) || readable == 0 && !idle) {
      sortClaimed();
      return;
    }
    if (claim == null) {
      claim = c.prepareStatement(claimSql(notLimited));
      nextDue = c.prepareStatement("SELECT min(run_at) FROM items WHERE queue = ? AND state = 'queued'" + notLimited);
    }
    int got = claim(claim, now, want, readable, idle);
    if (got < want && cut(readable, idle, got, bytesClaimed(got))) {
      budgetCut = true;   // maybeDue stays: looked for again once the budget frees up
    } else if (got < want) {
      maybeDue = false;
      nextDueAt = nextDue(nextDue);
    }
    sortClaimed();
  }

  /** {@code item}'s payload is no longer held: its bytes go back to the budget. */
  private void letGo(Item item) {
    long n = item.dropPayload();
    held.addAndGet(-n);
    budget.release(n);
  }

  /** Whether a claim that got fewer rows than it asked for may have been cut short by the budget, not the backlog. */
  private static boolean cut(long readable, boolean idle, int got, long bytes) {
    return !(idle && got == 0) && readable - bytes <= MAX_ROW_GUESS;
  }

  /** Bytes left over a claim beyond which a shorter batch means no more due rows, not a budget cut. */
  private static final long MAX_ROW_GUESS = 64 * 1024;

  /**
   * The claim of the next due rows (of the types {@code filter} selects), oldest first, at most {@code limit} and
   * at most {@code bytes} of payload in all (an idle queue: at least the first row, whatever its size). The inner
   * LIMIT keeps the running sum over one batch, not over the backlog.
   */
  private static String claimSql(String filter) {
    return "UPDATE items SET state = 'running', attempts = attempts + 1, lease_owner = ?"
        + " WHERE seq IN (SELECT seq FROM (SELECT seq, n, sum(n) OVER (ORDER BY run_at, seq) - n AS before FROM"
        + " (SELECT seq, run_at, length(CAST(payload AS BLOB)) AS n FROM items WHERE queue = ? AND state = 'queued'"
        + " AND run_at <= ?" + filter + " ORDER BY run_at, seq LIMIT ?)) WHERE before + n <= ? OR before = 0 AND ?)"
        + " RETURNING seq, id, type, payload, attempts, run_at, enqueued_at, errors, length(CAST(payload AS BLOB))";
  }

  /** Runs a claim statement; adds what it claimed to {@link #claimedNow}; returns how many. */
  private int claim(PreparedStatement s, long now, int limit, long bytes, boolean idle) throws SQLException {
    s.setString(1, "local");
    s.setString(2, queue);
    s.setLong(3, now);
    s.setInt(4, limit);
    s.setLong(5, bytes);
    s.setBoolean(6, idle);
    int got = 0;
    try (ResultSet r = s.executeQuery()) {
      while (r.next()) {
        String type = r.getString(3);
        Item item = Item.stored(r.getLong(1), r.getString(2), type, new JsonObject(r.getString(4)),
            handlers.apply(type), r.getInt(5) - 1, r.getLong(7), r.getLong(6), StoredItems.errors(r.getString(8)));
        item.bytes = r.getLong(9);
        claimedNow.add(item);
        got++;
      }
    }
    return got;
  }

  /** The payload bytes of the last {@code n} items claimed in this transaction. */
  private long bytesClaimed(int n) {
    long sum = 0;
    for (int i = claimedNow.size() - n; i < claimedNow.size(); i++) {
      sum += claimedNow.get(i).bytes;
    }
    return sum;
  }

  private void sortClaimed() {
    // RETURNING gives no order: due time, then admission order.
    claimedNow.sort(Comparator.comparingLong((Item i) -> i.runAtMillis).thenComparingLong(i -> i.seq));
  }

  private long nextDue(PreparedStatement s) throws SQLException {
    s.setString(1, queue);
    try (ResultSet r = s.executeQuery()) {
      long at = r.next() ? r.getLong(1) : 0;
      return r.wasNull() || at == 0 ? Long.MAX_VALUE : at;
    }
  }

  /** Writer, after the commit: hands the claimed items to the workers. */
  void claimCommitted() {
    if (claimedNow.isEmpty()) {
      return;
    }
    onDisk.addAndGet(-claimedNow.size());
    for (Item item : claimedNow) {
      budget.take(item.bytes);   // held in memory until its run ends
      held.addAndGet(item.bytes);
      if (item.attempts() > 0) {
        retrying.updateAndGet(n -> Math.max(0, n - 1));
      }
      if (item.handler == null) {
        // Its type lost its handler since it was stored: it cannot run here.
        item.start();
        item.end(ItemState.FAILED, "queue '" + queue + "' has no handler for type '" + item.type + "'");
        log.error("Queue '{}': item {} of type '{}' failed: no handler for its type", queue, item.id, item.type);
        limits.tryAcquire(item.type);   // finished() gives a slot back
        finished(item);
        continue;
      }
      recent.add(item);
      buffer.offer(item);
      buffered.incrementAndGet();
      due.run();
    }
    claimedNow.clear();
  }

  /** Writer, after a rollback: the claims did not happen. */
  void claimRolledBack() {
    claimedNow.clear();
    mayBeDue();
  }

  /**
   * Writer, after a failed transaction: forgets the prepared statements, which SQLite may have left unusable (after
   * SQLITE_FULL a reused one fails with "statement is not executing"); the next use prepares them again.
   */
  void resetStatements() {
    List<PreparedStatement> all = new ArrayList<>(java.util.Arrays.asList(insert, byKey, claim, nextDue, end,
        countCut, retainDelete));
    for (TypeClaim t : typeClaims.values()) {
      all.add(t.claim);
      all.add(t.nextDue);
      t.claim = null;
      t.nextDue = null;
    }
    insert = byKey = claim = nextDue = end = countCut = retainDelete = null;
    for (PreparedStatement p : all) {
      if (p != null) {
        try {
          p.close();
        } catch (SQLException ignored) {
          // Being thrown away.
        }
      }
    }
  }

  @Override
  public void started(Item item) {
    started.increment();
  }

  @Override
  public void finished(Item item) {
    ItemState state = item.state();
    ended.increment();
    budgetCut = false;
    if (limits.release(item.type)) {
      TypeClaim t = typeClaims.get(item.type);
      t.wanted = true;   // its rows may be claimed ahead again
      if (!stopped && !item.local) {
        db.nudge();
      }
    }
    if (!item.local) {
      // Its run is over: the row holds the payload, and the status cache keeps none.
      letGo(item);
    }
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
    if (item.local) {
      return;
    }
    db.submit(new SqliteDatabase.Op() {
      @Override
      public void run(Connection c) throws SQLException {
        writeEnd(c, item);
      }

      @Override
      public void committed() {
        if (state == ItemState.RETRYING) {
          mayBeDue();   // the writer looks for its next due time again
        }
      }

      @Override
      public void failed(Throwable e) {
        log.error("Queue '{}': the end of item {} of type '{}' ({}) was not stored; it runs again after a restart:"
            + " {}", queue, item.id, item.type, item.state().label(), e.toString());
      }
    });
  }

  private void writeEnd(Connection c, Item item) throws SQLException {
    if (end == null) {
      end = c.prepareStatement("UPDATE items SET state = ?, attempts = ?, started_at = ?, finished_at = ?,"
          + " error = ?, run_at = ?, errors = ?, lease_owner = NULL WHERE seq = ?");
    }
    ItemStatus s = item.snapshot(queue);
    end.setString(1, StoredItems.stored(s.state()));
    end.setInt(2, s.attempts());
    setInstant(end, 3, s.startedAt());
    setInstant(end, 4, s.finishedAt());
    end.setString(5, s.error());
    end.setLong(6, item.runAtMillis);
    end.setString(7, StoredItems.errorsColumn(s.errors()));
    end.setLong(8, item.seq);
    end.executeUpdate();
  }

  /** The most rows one retention batch deletes: the write lock is held for a few milliseconds at a time. */
  static final int RETENTION_BATCH = 500;
  private static final String FINISHED = " state IN ('succeeded', 'failed', 'cancelled', 'timed-out')";
  private PreparedStatement countCut;
  private PreparedStatement retainDelete;

  /**
   * Writer, between transactions: deletes at most {@link #RETENTION_BATCH} finished items (not dead letters, which
   * stay until retried or deleted) that ended before {@code now - retention.time} or are older than the newest
   * {@code retention.count}; true when more are left to delete.
   */
  boolean retain(Connection c, long now) throws SQLException {
    if (countCut == null) {
      countCut = c.prepareStatement("SELECT finished_at, seq FROM items WHERE queue = ? AND" + FINISHED
          + " ORDER BY finished_at DESC, seq DESC LIMIT 1 OFFSET ?");
      retainDelete = c.prepareStatement("DELETE FROM items WHERE seq IN (SELECT seq FROM items WHERE queue = ? AND"
          + FINISHED + " AND (finished_at < ? OR finished_at = ? AND seq <= ?) LIMIT " + RETENTION_BATCH + ")");
    }
    // The cut: rows at or before (at, seq) in end order go. By time: ended before now - retention.time.
    long at = retentionMs > 0 ? now - retentionMs : Long.MIN_VALUE;
    long seq = -1;
    countCut.setString(1, queue);
    countCut.setInt(2, retentionCount);
    try (ResultSet r = countCut.executeQuery()) {
      if (r.next()) {
        long f = r.getLong(1);
        long q = r.getLong(2);
        if (f > at || f == at && q > seq) {
          at = f;
          seq = q;
        }
      }
    }
    if (at == Long.MIN_VALUE) {
      return false;
    }
    retainDelete.setString(1, queue);
    retainDelete.setLong(2, at);
    retainDelete.setLong(3, at);
    retainDelete.setLong(4, seq);
    int deleted = retainDelete.executeUpdate();
    return deleted == RETENTION_BATCH;
  }

  private static void setInstant(PreparedStatement s, int i, Instant at) throws SQLException {
    if (at == null) {
      s.setNull(i, Types.INTEGER);
    } else {
      s.setLong(i, at.toEpochMilli());
    }
  }

  @Override
  public Optional<ItemStatus> status(String id) {
    Item item = recent.get(id);
    return item == null ? Optional.empty() : Optional.of(item.snapshot(queue));
  }

  @Override
  public Future<Optional<ItemStatus>> find(String id) {
    Optional<ItemStatus> known = status(id);
    if (known.isPresent()) {
      return Future.succeededFuture(known);
    }
    Promise<Optional<ItemStatus>> found = Promise.promise();
    Context caller = Vertx.currentContext();
    db.submit(new SqliteDatabase.Op() {
      ItemStatus status;

      @Override
      public void run(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM items WHERE id = ? AND queue = ?")) {
          s.setString(1, id);
          s.setString(2, queue);
          try (ResultSet r = s.executeQuery()) {
            if (r.next()) {
              status = row(r);
            }
          }
        }
      }

      @Override
      public void committed() {
        found.complete(Optional.ofNullable(status));
      }

      @Override
      public void failed(Throwable e) {
        found.fail(e);
      }
    });
    return Futures.backOn(caller, found.future());
  }

  /**
   * The payload from the item's row, read on the writer thread (never the caller's event loop): kept as long as the
   * row is, whatever the item's state (finished rows go at {@code retention}). Empty for in-process work (never
   * stored) and for an id this queue does not have.
   */
  @Override
  public Future<Optional<JsonObject>> payload(String id) {
    Item item = recent.get(id);
    if (item != null && item.local) {
      return Future.succeededFuture(Optional.empty());
    }
    return this.<Optional<JsonObject>>read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT payload FROM items WHERE id = ? AND queue = ?")) {
        s.setString(1, id);
        s.setString(2, queue);
        try (ResultSet r = s.executeQuery()) {
          String json = r.next() ? r.getString(1) : null;
          return Optional.ofNullable(json == null ? null : new JsonObject(json));
        }
      }
    }, p -> { });
  }

  private static final String COLUMNS = "id, type, state, attempts, enqueued_at, started_at, finished_at, error,"
      + " run_at, errors";

  private ItemStatus row(ResultSet r) throws SQLException {
    int attempts = r.getInt(4);
    return new ItemStatus(r.getString(1), queue, r.getString(2), StoredItems.shown(r.getString(3), attempts),
        attempts, instant(r, 5), instant(r, 6), instant(r, 7), r.getString(8), instant(r, 9),
        StoredItems.errors(r.getString(10)));
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
    long now = System.currentTimeMillis();
    // On disk first (queued or retrying rows); else the writer's callback looks at what was claimed ahead.
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE items SET state = 'cancelled', finished_at = ?,"
          + " error = ? WHERE id = ? AND queue = ? AND state = 'queued' RETURNING attempts")) {
        s.setLong(1, now);
        s.setString(2, CANCELLED_BY_REQUEST);
        s.setString(3, id);
        s.setString(4, queue);
        try (ResultSet r = s.executeQuery()) {
          return r.next() ? Integer.valueOf(r.getInt(1)) : null;
        }
      }
    }, attempts -> {
      if (attempts != null) {
        onDisk.decrementAndGet();
        if (attempts > 0) {
          retrying.updateAndGet(n -> Math.max(0, n - 1));
        }
        reached[ItemState.CANCELLED.ordinal()].increment();
        recent.remove(id);
      }
    }).compose(attempts -> {
      if (attempts != null) {
        return find(id).map(s -> s.map(st -> new Cancel(attempts > 0 ? ItemState.RETRYING : ItemState.QUEUED, st)));
      }
      Item claimed = recent.get(id);
      if (claimed != null && claimed.state() == ItemState.QUEUED && buffer.remove(claimed)) {
        // Claimed ahead, not started: its row says running; write it cancelled.
        buffered.decrementAndGet();
        letGo(claimed);
        claimed.end(ItemState.CANCELLED, CANCELLED_BY_REQUEST);
        reached[ItemState.CANCELLED.ordinal()].increment();
        recent.finished(claimed);
        db.submit(c -> writeEnd(c, claimed));
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
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + ", seq FROM items WHERE queue = ? AND seq < ?");
    if (state != null) {
      // A retrying item is stored queued with attempts behind it.
      sql.append(state == ItemState.RETRYING ? " AND state = 'queued' AND attempts > 0"
          : state == ItemState.QUEUED ? " AND state = 'queued' AND attempts = 0" : " AND state = ?");
    }
    if (type != null) {
      sql.append(" AND type = ?");
    }
    sql.append(" ORDER BY seq DESC LIMIT ?");
    return read(c -> {
      List<ItemStatus> items = new ArrayList<>();
      long last = 0;
      boolean more = false;
      try (PreparedStatement s = c.prepareStatement(sql.toString())) {
        int i = 1;
        s.setString(i++, queue);
        s.setLong(i++, before);
        if (state != null && state != ItemState.RETRYING && state != ItemState.QUEUED) {
          s.setString(i++, state.label());
        }
        if (type != null) {
          s.setString(i++, type);
        }
        s.setInt(i, limit + 1);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            if (items.size() == limit) {
              more = true;
              break;
            }
            items.add(row(r));
            last = r.getLong(11);
          }
        }
      }
      return new Page(items, more ? Long.toString(last) : null);
    }, p -> { });
  }

  @Override
  public Future<List<ItemStatus>> dead(int limit) {
    return read(c -> {
      List<ItemStatus> list = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM items WHERE queue = ?"
          + " AND state = 'dead' ORDER BY seq DESC LIMIT ?")) {
        s.setString(1, queue);
        s.setInt(2, limit);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            list.add(row(r));
          }
        }
      }
      return list;
    }, v -> { });
  }

  @Override
  public Future<Optional<ItemState>> revive(String id) {
    return deadRow(id, "UPDATE items SET state = 'queued', attempts = 0, key = NULL, run_at = ?, started_at = NULL,"
        + " finished_at = NULL WHERE seq = ?", true);
  }

  @Override
  public Future<Optional<ItemState>> delete(String id) {
    return deadRow(id, "DELETE FROM items WHERE seq = ?", false);
  }

  /** Runs {@code sql} on the row {@code id} if it is dead; completes with the state it found (empty: no row). */
  private Future<Optional<ItemState>> deadRow(String id, String sql, boolean revive) {
    return read(c -> {
      long seq;
      ItemState state;
      try (PreparedStatement s = c.prepareStatement("SELECT seq, state, attempts FROM items WHERE id = ? AND queue = ?")) {
        s.setString(1, id);
        s.setString(2, queue);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next()) {
            return Optional.<ItemState>empty();
          }
          seq = r.getLong(1);
          state = StoredItems.shown(r.getString(2), r.getInt(3));
        }
      }
      if (state == ItemState.DEAD) {
        try (PreparedStatement s = c.prepareStatement(sql)) {
          if (revive) {
            s.setLong(1, System.currentTimeMillis());
            s.setLong(2, seq);
          } else {
            s.setLong(1, seq);
          }
          s.executeUpdate();
        }
      }
      return Optional.of(state);
    }, found -> {
      if (found.orElse(null) == ItemState.DEAD) {
        recent.remove(id);
        deadNow.decrementAndGet();
        if (revive) {
          onDisk.incrementAndGet();
          mayBeDue();
        }
      }
    });
  }

  @Override
  public Future<Long> reviveAll() {
    return read(c -> {
      try (PreparedStatement s = c.prepareStatement("UPDATE items SET state = 'queued', attempts = 0, key = NULL, run_at = ?,"
          + " started_at = NULL, finished_at = NULL WHERE queue = ? AND state = 'dead' RETURNING id")) {
        s.setLong(1, System.currentTimeMillis());
        s.setString(2, queue);
        List<String> ids = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            ids.add(r.getString(1));
          }
        }
        return ids;
      }
    }, ids -> {
      ids.forEach(recent::remove);
      deadNow.addAndGet(-ids.size());
      onDisk.addAndGet(ids.size());
      mayBeDue();
    }).map(ids -> (long) ids.size());
  }

  /** Runs {@code sql} on the writer; {@code then} on the writer after the commit (see {@link SqliteDatabase#call}). */
  private <T> Future<T> read(SqliteDatabase.Sql<T> sql, java.util.function.Consumer<T> then) {
    return db.call(sql, then, "queue '" + queue + "' could not read or write its store: ");
  }

  private static Instant instant(ResultSet r, int column) throws SQLException {
    long v = r.getLong(column);
    return r.wasNull() ? null : Instant.ofEpochMilli(v);
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

  @Override
  public StopReport stop() {
    stopped = true;
    List<Item> back = new ArrayList<>();
    for (Item item : buffer.drain()) {
      buffered.decrementAndGet();
      letGo(item);
      back.add(item);
    }
    List<String> lost = new ArrayList<>();
    for (Item item : local.drain()) {
      lost.add(item.id);
    }
    for (Item item : localDelayed.drain()) {
      lost.add(item.id);
    }
    if (!back.isEmpty()) {
      // Claimed ahead, never started: queued again, their claim not counted as an attempt.
      db.submit(c -> {
        for (Item item : back) {
          item.requeue();
          writeEnd(c, item);
        }
      });
    }
    onDisk.addAndGet(back.size());
    return new StopReport(Math.max(0, onDisk.get()), lost);
  }

  @Override
  public Future<Long> flush() {
    Promise<Long> left = Promise.promise();
    db.submit(new SqliteDatabase.Op() {
      long n;

      @Override
      public void run(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM items WHERE queue = ?"
            + " AND state IN ('queued', 'running')")) {
          s.setString(1, queue);
          try (ResultSet r = s.executeQuery()) {
            n = r.next() ? r.getLong(1) : 0;
          }
        }
      }

      @Override
      public void committed() {
        left.complete(n);
      }

      @Override
      public void failed(Throwable e) {
        left.fail(e);
      }
    });
    return left.future();
  }
}
