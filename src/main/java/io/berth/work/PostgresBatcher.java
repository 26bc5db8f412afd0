package io.berth.work;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Group commit for one statement on PostgreSQL: the rows submitted while a batch is in flight go into the next
 * {@code executeBatch} (one implicit transaction, one WAL flush), and each submitter's future completes with its own
 * row's result once that batch committed, or fails with the whole batch. At most {@code inFlight} batches run at
 * once (the server also groups the commits of concurrent connections). Lock-free; callable from any thread.
 */
final class PostgresBatcher {

  private record Entry(Tuple row, Promise<RowSet<Row>> done) {
  }

  private final PostgresDatabase db;
  private final String sql;
  private final int maxBatch;
  private final int maxInFlight;
  private final ConcurrentLinkedQueue<Entry> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Comparator<Tuple> order;

  /**
   * {@code order}, when not null, sorts each batch's rows: batches that lock rows in one order (unique keys) cannot
   * deadlock with each other, whichever node sent them.
   */
  PostgresBatcher(PostgresDatabase db, String sql, int maxBatch, int maxInFlight, Comparator<Tuple> order) {
    this.db = db;
    this.order = order;
    this.sql = sql;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  /** Queues {@code row} for the next batch; completes with its result once committed. */
  Future<RowSet<Row>> submit(Tuple row) {
    Promise<RowSet<Row>> done = Promise.promise();
    pending.offer(new Entry(row, done));
    drain();
    return done.future();
  }

  /** Rows waiting or in flight: zero once everything submitted was answered. */
  boolean idle() {
    return pending.isEmpty() && inFlight.get() == 0;
  }

  private void drain() {
    while (!pending.isEmpty()) {
      int n = inFlight.get();
      if (n >= maxInFlight) {
        return;   // the batch in flight drains again when it ends
      }
      if (!inFlight.compareAndSet(n, n + 1)) {
        continue;
      }
      List<Entry> batch = new ArrayList<>();
      for (Entry e; batch.size() < maxBatch && (e = pending.poll()) != null; ) {
        batch.add(e);
      }
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      run(batch);
    }
  }

  private void run(List<Entry> batch) {
    if (order != null) {
      batch.sort(Comparator.comparing(Entry::row, order));
    }
    List<Tuple> rows = new ArrayList<>(batch.size());
    for (Entry e : batch) {
      rows.add(e.row());
    }
    long begun = System.nanoTime();
    db.issue(pool -> pool.preparedQuery(sql).executeBatch(rows)).onComplete(ar -> {
      inFlight.decrementAndGet();
      if (ar.succeeded()) {
        db.stats().committed(batch.size(), System.nanoTime() - begun);
        RowSet<Row> rs = ar.result();
        for (Entry e : batch) {
          e.done().complete(rs);
          rs = rs == null ? null : rs.next();
        }
      } else {
        for (Entry e : batch) {
          e.done().fail(ar.cause());
        }
      }
      drain();
    });
  }
}
