package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.core.RunLedger;
import io.berth.host.Host;
import io.berth.testing.Postgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The PostgreSQL server goes away while Berth runs: enqueues fail with {@code store_unavailable} (nothing accepted
 * that was not stored), and the store recovers by itself when the server returns. A server of this class's own, since
 * it is stopped.
 */
@ExtendWith(VertxExtension.class)
class PostgresOutageTest {

  private static Postgres pg;

  @BeforeAll
  static void server() {
    pg = Postgres.dedicated();
  }

  @AfterAll
  static void close() {
    pg.close();
  }

  @Test
  void enqueuesFailWithStoreUnavailableWhileTheServerIsAwayAndSucceedWhenItReturns(Vertx vertx) {
    String db = pg.database();
    Set<String> ran = ConcurrentHashMap.newKeySet();
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(1)))
        .config(ConfigReader.of(new JsonObject().put("store", PgNodes.storeConfig(pg.url(db)))))
        .queue(new QueueOptions("q")).handler("t", ctx -> {
          ran.add(ctx.id());
        }).build();
    await(host.start());
    WorkQueue q = host.work().queue("q");
    String before = await(q.enqueue("t", new JsonObject()));
    await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains(before));

    try (WorkTesting.Capture logs = WorkTesting.capture(PostgresDatabase.class)) {
      pg.stop();
      Throwable refused = WorkTesting.failure(q.enqueue("t", new JsonObject()));
      assertThat(refused).isInstanceOf(WorkException.class);
      assertThat(((WorkException) refused).code()).isEqualTo(WorkException.STORE_UNAVAILABLE);
      assertThat(host.work().storeAvailable()).as("what readiness reports").isFalse();
      assertThat(logs.messages()).anyMatch(m -> m.contains("is unavailable") && !m.contains(Postgres.PASSWORD));

      pg.restart();
      // The pool reconnects by itself: the next enqueues are stored and run.
      String[] after = new String[1];
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        try {
          after[0] = q.enqueue("t", new JsonObject()).toCompletionStage().toCompletableFuture().get();
          return true;
        } catch (Exception e) {
          return false;
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> ran.contains(after[0]));
      assertThat(logs.messages()).anyMatch(m -> m.contains("is reachable again"));
      assertThat(host.work().storeAvailable()).isTrue();
    } finally {
      await(host.stop());
    }
  }

  @Test
  void theRunLedgerKeepsEntriesInTheSharedStore(Vertx vertx) {
    String db = pg.database();
    StoreOptions options = new StoreOptions().read(ConfigReader.of(new JsonObject().put("store",
        PgNodes.storeConfig(pg.url(db)))).section("store"));
    // The backend is opened as the work module opens it: with the host's view, at build.
    PostgresDatabase[] opened = new PostgresDatabase[1];
    Host.builder().vertx(vertx).config(ConfigReader.of(new JsonObject()))
        .module(context -> opened[0] = PostgresDatabase.open(options, context.host())).build();
    PostgresDatabase store = opened[0];
    try {
      RunLedger ledger = store.runLedger();
      assertThat(await(ledger.read("nightly"))).isEmpty();
      Instant last = Instant.parse("2026-01-02T03:04:05.678Z");
      await(ledger.write("nightly", new RunLedger.Entry(last, last.plusSeconds(3600), false)));
      await(ledger.write("nightly", new RunLedger.Entry(last, null, true)));
      assertThat(await(ledger.read("nightly"))).isEqualTo(Optional.of(new RunLedger.Entry(last, null, true)));
      assertThat(store.available()).isTrue();
    } finally {
      store.close();
    }
  }
}
