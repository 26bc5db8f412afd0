package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.core.RunLedger;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The run ledger in the SQLite file: read, write, and what was written survives a reopen. */
@ExtendWith(VertxExtension.class)
class SqliteRunLedgerTest {

  @TempDir
  Path dir;

  @Test
  void entriesAreWrittenReadAndSurviveAReopen() {
    Path file = dir.resolve("l.db");
    SqliteDatabase db = SqliteDatabase.open(file, true);
    Instant last = Instant.ofEpochMilli(1_700_000_000_123L);
    Instant next = last.plusSeconds(60);
    try {
      RunLedger ledger = db.runLedger();
      assertThat(await(ledger.read("ticker"))).isEmpty();
      await(ledger.write("ticker", new RunLedger.Entry(last, next, false)));
      await(ledger.write("report", new RunLedger.Entry(null, null, true)));
      assertThat(await(ledger.read("ticker"))).contains(new RunLedger.Entry(last, next, false));
      await(ledger.write("ticker", new RunLedger.Entry(next, next.plusSeconds(60), true)));
      assertThat(await(ledger.read("ticker"))).contains(new RunLedger.Entry(next, next.plusSeconds(60), true));
    } finally {
      db.close();
    }
    SqliteDatabase reopened = SqliteDatabase.open(file, true);
    try {
      RunLedger ledger = reopened.runLedger();
      assertThat(await(ledger.read("ticker"))).contains(new RunLedger.Entry(next, next.plusSeconds(60), true));
      assertThat(await(ledger.read("report"))).contains(new RunLedger.Entry(null, null, true));
    } finally {
      reopened.close();
    }
  }

  @Test
  void theWorkModuleProvidesTheLedgerWithTheSqliteStoreOnly(Vertx vertx) {
    JsonObject config = new JsonObject().put("store", new JsonObject().put("path", dir.resolve("m.db").toString()));
    Host durable = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(config)).build();
    await(durable.start());
    try {
      Optional<RunLedger> ledger = durable.core().feature(RunLedger.class);
      assertThat(ledger).isPresent();
      await(ledger.get().write("s", new RunLedger.Entry(Instant.EPOCH, null, false)));
      assertThat(await(ledger.get().read("s"))).contains(new RunLedger.Entry(Instant.EPOCH, null, false));
    } finally {
      await(durable.stop());
    }
    Host memory = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .build();
    await(memory.start());
    try {
      assertThat(memory.core().feature(RunLedger.class)).isEmpty();
    } finally {
      await(memory.stop());
    }
  }
}
