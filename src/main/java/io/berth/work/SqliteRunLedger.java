package io.berth.work;

import io.berth.core.RunLedger;
import io.vertx.core.Future;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;

/**
 * The {@link RunLedger} in the SQLite file (table {@code run_ledger}, one row per timed service): reads and writes
 * are ops of the store's one writer thread, so a write is committed (fsync'd with {@code synchronous=FULL}) in the
 * same group commit as the items, and the caller's event loop never blocks. Futures complete on the caller's context.
 */
final class SqliteRunLedger implements RunLedger {

  private final SqliteDatabase db;

  SqliteRunLedger(SqliteDatabase db) {
    this.db = db;
  }

  @Override
  public Future<Optional<Entry>> read(String service) {
    return run(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT last_run_at, next_run_at, paused FROM run_ledger"
          + " WHERE service = ?")) {
        s.setString(1, service);
        try (ResultSet r = s.executeQuery()) {
          if (!r.next()) {
            return Optional.<Entry>empty();
          }
          return Optional.of(new Entry(instant(r, 1), instant(r, 2), r.getInt(3) != 0));
        }
      }
    });
  }

  @Override
  public Future<Void> write(String service, Entry entry) {
    return this.<Void>run(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO run_ledger (service, last_run_at, next_run_at, paused)"
          + " VALUES (?, ?, ?, ?) ON CONFLICT (service) DO UPDATE SET last_run_at = excluded.last_run_at,"
          + " next_run_at = excluded.next_run_at, paused = excluded.paused")) {
        s.setString(1, service);
        set(s, 2, entry.lastRunAt());
        set(s, 3, entry.nextRunAt());
        s.setInt(4, entry.paused() ? 1 : 0);
        s.executeUpdate();
      }
      return null;
    });
  }

  private <T> Future<T> run(SqliteDatabase.Sql<T> sql) {
    return db.call(sql, v -> { }, "the run ledger in " + db.path() + " could not be read or written: ");
  }

  private static void set(PreparedStatement s, int i, Instant at) throws SQLException {
    if (at == null) {
      s.setNull(i, Types.INTEGER);
    } else {
      s.setLong(i, at.toEpochMilli());
    }
  }

  private static Instant instant(ResultSet r, int column) throws SQLException {
    long v = r.getLong(column);
    return r.wasNull() ? null : Instant.ofEpochMilli(v);
  }
}
