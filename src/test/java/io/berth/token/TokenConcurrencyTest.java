package io.berth.token;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TokenConcurrencyTest extends TokenTestBase {

  private static final int CONSUMERS = 50;

  @Test
  void fiftyConcurrentInvalidationsOfTheSameTokenCauseExactlyOneFetch() throws Exception {
    Tokens tokens = startHost(wechat().build());
    String old = join(tokens.current("wx"));
    endpoint.rotateBehindOurBack();  // someone else fetched: every consumer's token is now rejected
    int before = endpoint.fetches.get();

    ExecutorService pool = Executors.newFixedThreadPool(CONSUMERS);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<java.util.concurrent.Future<String>> results = new ArrayList<>();
      for (int i = 0; i < CONSUMERS; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return join(tokens.invalidate("wx", old));
        }));
      }
      go.countDown();
      Set<String> got = ConcurrentGet.all(results);

      assertThat(endpoint.fetches.get()).isEqualTo(before + 1);
      assertThat(got).containsExactly(endpoint.latest());
      assertThat(join(tokens.current("wx"))).isEqualTo(endpoint.latest());
      // A late report of the same, already replaced token fetches nothing.
      assertThat(join(tokens.invalidate("wx", old))).isEqualTo(endpoint.latest());
      assertThat(endpoint.fetches.get()).isEqualTo(before + 1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fiftyConsumersOverSeveralRefreshPeriodsNeverCauseAStormAndAlwaysMoveToTheLatestToken() throws Exception {
    endpoint.expiresIn = 2;
    Tokens tokens = startHost(wechat().refreshBefore(Duration.ofMillis(1200)).build());  // refresh every 800ms
    WebClient api = WebClient.create(vertx);
    AtomicInteger rogue = new AtomicInteger();
    long t0 = System.nanoTime();
    long runMs = 3000;
    // Another system fetching a token now and then invalidates ours behind our back (for the first 2/3 of the run,
    // so that consumers notice the last one before they stop).
    long periodic = vertx.setPeriodic(450, id -> {
      if ((System.nanoTime() - t0) / 1_000_000 < runMs * 2 / 3) {
        endpoint.rotateBehindOurBack();
        rogue.incrementAndGet();
      }
    });
    AtomicInteger rejected = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(CONSUMERS);
    try {
      List<java.util.concurrent.Future<String>> results = new ArrayList<>();
      for (int i = 0; i < CONSUMERS; i++) {
        results.add(pool.submit(consumer(tokens, api, t0, runMs, rejected)));
      }
      ConcurrentGet.all(results);
      vertx.cancelTimer(periodic);
      long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

      int fetches = endpoint.fetches.get();
      long periods = elapsedMs / 800 + 1;
      // One at start, one per refresh period, one per token invalidated behind our back: never one per consumer.
      assertThat(fetches).isLessThanOrEqualTo(1 + (int) periods + rogue.get());
      assertThat(fetches).isGreaterThanOrEqualTo(1 + rogue.get() / 2);
      assertThat(rejected.get()).isGreaterThan(0);
      assertThat(endpoint.apiCalls.get()).isGreaterThan(10 * fetches);
      await().atMost(3, TimeUnit.SECONDS).until(() -> join(tokens.current("wx")).equals(endpoint.latest()));
    } finally {
      pool.shutdownNow();
      api.close();
    }
  }

  /**
   * Calls the API with the current token until the deadline; on a rejection, reports the token and checks that the
   * replacement is newer. Tokens a consumer sees never go backwards.
   */
  private Callable<String> consumer(Tokens tokens, WebClient api, long t0, long runMs, AtomicInteger rejected) {
    return () -> {
      int lastSeq = 0;
      String token = null;
      while ((System.nanoTime() - t0) / 1_000_000 < runMs) {
        token = join(tokens.current("wx"));
        int seq = FakeTokenEndpoint.seqOf(token);
        assertThat(seq).isGreaterThanOrEqualTo(lastSeq);
        lastSeq = seq;
        JsonObject answer = join(api.getAbs(endpoint.apiUrl()).addQueryParam("access_token", token).send())
            .bodyAsJsonObject();
        if (answer.getInteger("errcode") == 40001) {
          rejected.incrementAndGet();
          String fresh = join(tokens.invalidate("wx", token));
          assertThat(FakeTokenEndpoint.seqOf(fresh)).isGreaterThan(seq);
          lastSeq = FakeTokenEndpoint.seqOf(fresh);
        }
      }
      return token;
    };
  }

  /** Waits for every task, rethrowing the first failure (an assertion inside a consumer fails the test). */
  static final class ConcurrentGet {
    static Set<String> all(List<java.util.concurrent.Future<String>> results) throws Exception {
      List<String> out = new ArrayList<>();
      for (java.util.concurrent.Future<String> f : results) {
        try {
          out.add(f.get(20, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          throw (Exception) e.getCause();
        }
      }
      return out.stream().collect(Collectors.toSet());
    }
  }
}
