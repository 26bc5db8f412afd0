package io.berth.cluster;

import io.berth.core.SingletonLeases;
import io.berth.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Singleton leases in a real (embedded) PostgreSQL: one holder at a time, growing fences, a holder that stops itself. */
class PgSingletonLeasesTest {

  private static final Duration TTL = Duration.ofMillis(1200);
  private static final Duration RENEW = Duration.ofMillis(200);

  private static Vertx vertx;
  private static String database;
  private final List<Pool> pools = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    database = TestPostgres.database();
  }

  @AfterAll
  static void tearDown() {
    Await.result(vertx.close());
  }

  private PgSingletonLeases client(String owner) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(TestPostgres.connect(database))
        .using(vertx).build();
    pools.add(pool);
    PgSingletonLeases leases = new PgSingletonLeases(vertx, pool, owner, TTL, RENEW);
    Await.result(leases.start());
    return leases;
  }

  private record Acquired(String owner, long fence) {
  }

  /** Records acquisitions in order; an acquisition while another owner holds the lease is an overlap. */
  private static final class Holders {
    final AtomicReference<String> current = new AtomicReference<>();
    final List<String> overlaps = new ArrayList<>();
    final BlockingQueue<Acquired> acquired = new LinkedBlockingQueue<>();

    SingletonLeases.Holder holder(String owner) {
      return new SingletonLeases.Holder() {
        @Override
        public void acquired(long fence) {
          String other = current.get();
          if (!current.compareAndSet(null, owner)) {
            synchronized (overlaps) {
              overlaps.add(owner + " got fence " + fence + " while " + other + " held the lease");
            }
          }
          acquired.add(new Acquired(owner, fence));
        }

        @Override
        public void lost(String reason) {
          current.compareAndSet(owner, null);
        }
      };
    }
  }

  @Test
  void aHundredTransfersBetweenTwoClientsNeverOverlapAndFencesGrow() throws Exception {
    PgSingletonLeases a = client("node-a");
    PgSingletonLeases b = client("node-b");
    Holders holders = new Holders();
    Map<String, PgSingletonLeases> clients = Map.of("node-a", a, "node-b", b);
    Map<String, AtomicReference<SingletonLeases.Contention>> contentions = Map.of(
        "node-a", new AtomicReference<>(a.contend("report", holders.holder("node-a"))),
        "node-b", new AtomicReference<>(b.contend("report", holders.holder("node-b"))));
    long lastFence = 0;
    List<String> owners = new ArrayList<>();
    int transfers = 0;
    String previous = null;
    for (int i = 0; i < 100; i++) {
      Acquired got = holders.acquired.poll(5, TimeUnit.SECONDS);
      assertThat(got).as("acquisition %d", i).isNotNull();
      assertThat(got.fence()).as("fences only grow").isGreaterThan(lastFence);
      // The store agrees: this fence is current, the one before is refused.
      PgSingletonLeases holder = clients.get(got.owner());
      assertThat(Await.result(holder.check("report", got.fence()))).isTrue();
      assertThat(holder.fence("report")).hasValue(got.fence());
      if (lastFence > 0) {
        assertThat(Await.result(holder.check("report", lastFence))).isFalse();
      }
      assertThat(Await.result(a.holders())).containsEntry("report", got.owner());
      lastFence = got.fence();
      owners.add(got.owner());
      if (previous != null && !previous.equals(got.owner())) {
        transfers++;
      }
      previous = got.owner();
      // The holder's service stops, then it gives the lease up and contends again; the other contends all along.
      holders.current.set(null);
      AtomicReference<SingletonLeases.Contention> c = contentions.get(got.owner());
      Await.result(c.get().close());
      if (i % 2 == 0) {
        // Every other time the releasing client waits for the other to take it: at least 50 real transfers.
        Acquired next = holders.acquired.poll(5, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.owner()).isNotEqualTo(got.owner());
        holders.acquired.add(next);   // nothing else can be queued (one holder at a time): the next round takes it
      }
      c.set(clients.get(got.owner()).contend("report", holders.holder(got.owner())));
    }
    synchronized (holders.overlaps) {
      assertThat(holders.overlaps).isEmpty();
    }
    assertThat(transfers).as("holders in order: %s", owners).isGreaterThanOrEqualTo(50);
    Await.result(a.close());
    Await.result(b.close());
  }

  @Test
  void aHolderThatCannotRenewStopsBeforeTheOtherTakesOverAndItsFenceIsRefused() {
    PgSingletonLeases a = client("paused");
    PgSingletonLeases b = client("other");
    AtomicLong aFence = new AtomicLong();
    AtomicLong aLostAt = new AtomicLong();
    AtomicLong bFence = new AtomicLong();
    AtomicLong bAcquiredAt = new AtomicLong();
    AtomicLong aAcquisitions = new AtomicLong();
    a.contend("nightly", new SingletonLeases.Holder() {
      @Override
      public void acquired(long fence) {
        aAcquisitions.incrementAndGet();
        aFence.set(fence);
      }

      @Override
      public void lost(String reason) {
        aLostAt.set(System.nanoTime());
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> aFence.get() > 0);
    b.contend("nightly", new SingletonLeases.Holder() {
      @Override
      public void acquired(long fence) {
        bAcquiredAt.set(System.nanoTime());
        bFence.set(fence);
      }

      @Override
      public void lost(String reason) {
      }
    });
    // B waits while A renews.
    await().during(TTL.plus(RENEW)).atMost(Duration.ofSeconds(5))
        .until(() -> bFence.get() == 0);

    long pausedAt = System.nanoTime();
    a.suspendRenewals(true);   // as if the process were stopped: no renewal goes out
    await().atMost(Duration.ofSeconds(5)).until(() -> bFence.get() > 0);

    assertThat(aLostAt.get()).as("the paused holder stopped itself").isPositive();
    assertThat(aLostAt.get()).as("before the other node took the lease").isLessThan(bAcquiredAt.get());
    assertThat(Duration.ofNanos(bAcquiredAt.get() - pausedAt))
        .as("takeover within TTL + renew interval (+ slack)").isLessThan(TTL.plus(RENEW).plusMillis(500));
    assertThat(bFence.get()).isGreaterThan(aFence.get());
    assertThat(a.fence("nightly")).isEmpty();
    assertThat(Await.result(a.check("nightly", aFence.get()))).as("the old fence is refused").isFalse();
    assertThat(Await.result(b.check("nightly", bFence.get()))).isTrue();

    // Resumed, the old holder renews under the fence it held: the store refuses it (counted, one WARN), and it
    // stays out.
    long before = aAcquisitions.get();
    assertThat(a.staleFencesRefused()).isZero();
    a.suspendRenewals(false);
    await().atMost(Duration.ofSeconds(3)).until(() -> a.staleFencesRefused() == 1);
    await().during(Duration.ofMillis(3 * RENEW.toMillis())).atMost(Duration.ofSeconds(3))
        .until(() -> aAcquisitions.get() == before);
    assertThat(a.staleFencesRefused()).as("refused once: then it contends afresh").isEqualTo(1);
    assertThat(Await.result(b.holders())).containsEntry("nightly", "other");
    Await.result(a.close());
    Await.result(b.close());
  }

  @Test
  void aHolderPausedWhileNobodyTookTheLeaseTakesItBackUnderItsOwnFence() {
    PgSingletonLeases a = client("alone");
    List<Long> acquired = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicLong lost = new AtomicLong();
    a.contend("solo", new SingletonLeases.Holder() {
      @Override
      public void acquired(long fence) {
        acquired.add(fence);
      }

      @Override
      public void lost(String reason) {
        lost.incrementAndGet();
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> acquired.size() == 1);
    a.suspendRenewals(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> lost.get() == 1);   // its own deadline: it stops first
    a.suspendRenewals(false);
    // Nobody else contends: the store still has its fence, so the renewal under it succeeds, with no new fence.
    await().atMost(Duration.ofSeconds(5)).until(() -> acquired.size() == 2);
    assertThat(acquired.get(1)).as("the same fence, taken back").isEqualTo(acquired.get(0));
    assertThat(a.staleFencesRefused()).isZero();
    assertThat(a.fence("solo")).hasValue(acquired.get(0));
    Await.result(a.close());
  }
}
