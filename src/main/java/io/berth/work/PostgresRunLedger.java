package io.berth.work;

import io.berth.core.RunLedger;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;

/** {@link RunLedger} in the PostgreSQL store's table {@code berth_timed}: one row per timed service. */
final class PostgresRunLedger implements RunLedger {

  private final PostgresDatabase db;

  PostgresRunLedger(PostgresDatabase db) {
    this.db = db;
  }

  @Override
  public Future<Optional<Entry>> read(String service) {
    return db.query("SELECT last_run_at, next_run_at, paused FROM berth_timed WHERE service = $1",
            Tuple.of(service))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.empty();
          }
          Row r = rows.iterator().next();
          return Optional.of(new Entry(PostgresDatabase.instant(r, 0), PostgresDatabase.instant(r, 1),
              r.getBoolean(2)));
        });
  }

  @Override
  public Future<Void> write(String service, Entry entry) {
    return db.query("INSERT INTO berth_timed (service, last_run_at, next_run_at, paused)"
            + " VALUES ($1, $2, $3, $4) ON CONFLICT (service) DO UPDATE SET last_run_at = excluded.last_run_at,"
            + " next_run_at = excluded.next_run_at, paused = excluded.paused",
            Tuple.of(service, PostgresDatabase.time(entry.lastRunAt()), PostgresDatabase.time(entry.nextRunAt()),
                entry.paused()))
        .mapEmpty();
  }
}
