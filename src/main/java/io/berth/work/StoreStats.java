package io.berth.work;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a durable store's commits cost, since the host started: how many transactions (SQLite) or batches
 * (PostgreSQL) committed, how many operations they carried (their mean is the group size of group commit), and the
 * time they took. Counters only grow; read them at any time from any thread.
 */
public final class StoreStats {

  private final LongAdder commits = new LongAdder();
  private final LongAdder operations = new LongAdder();
  private final LongAdder nanos = new LongAdder();

  StoreStats() {
  }

  /** One commit of {@code ops} operations that took {@code elapsedNanos}. */
  void committed(int ops, long elapsedNanos) {
    commits.increment();
    operations.add(ops);
    nanos.add(elapsedNanos);
  }

  /** Transactions or batches committed. */
  public long commits() {
    return commits.sum();
  }

  /** Operations (appends, ends, reads) those commits carried. */
  public long operations() {
    return operations.sum();
  }

  /** The time the commits took, in all, from their first statement to their commit. */
  public double commitSeconds() {
    return nanos.sum() / 1e9;
  }
}
