package io.berth.core;

import io.vertx.core.Future;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link RunLedger} in memory, for tests: one instance shared by two runners (or hosts) in sequence stands for a
 * store that outlives a restart. Reads and writes complete at once.
 */
final class MemoryRunLedger implements RunLedger {

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong writes = new AtomicLong();

  @Override
  public Future<Optional<Entry>> read(String service) {
    return Future.succeededFuture(Optional.ofNullable(entries.get(service)));
  }

  @Override
  public Future<Void> write(String service, Entry entry) {
    entries.put(service, entry);
    writes.incrementAndGet();
    return Future.succeededFuture();
  }

  /** The entry of {@code service}, or null. */
  Entry entry(String service) {
    return entries.get(service);
  }

  /** Sets an entry, as a previous run of the host would have left it. */
  MemoryRunLedger seed(String service, Entry entry) {
    entries.put(service, entry);
    return this;
  }

  long writes() {
    return writes.get();
  }
}
