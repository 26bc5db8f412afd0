package io.berth.work;

import java.util.Map;

/**
 * A database that keeps the items of every queue of the host: the SQLite file, or the PostgreSQL server shared by a
 * cluster. It makes one {@link ItemStore} per queue and is closed after the queues stopped. The memory store needs
 * no backend.
 */
interface StoreBackend {

  /** The store of queue {@code options.name()}, whose handlers by type are {@code handlers}. */
  ItemStore itemStore(QueueOptions options, Map<String, Handlers.Entry> handlers);

  /** What the start-up banner says about the store, such as {@code SQLite at /srv/data/berth.db}. */
  String describe();

  /**
   * Whether the store answered its last statement: false from a failed connection or write until one succeeds (the
   * readiness check reports it).
   */
  default boolean available() {
    return true;
  }

  /**
   * What timed services keep across restarts, in this store ({@link io.berth.core.RunLedger}), or null when the
   * backend keeps none (the default): the work module then provides no ledger.
   */
  default io.berth.core.RunLedger runLedger() {
    return null;
  }

  /** What its commits cost (for the metrics), or null when it does not count them. */
  default StoreStats stats() {
    return null;
  }

  /** Closes the backend once the queues stopped: waits for the writes in flight. Never throws. */
  void close();
}
