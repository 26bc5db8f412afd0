package io.berth.work;

import io.berth.core.internal.Failures;
import io.berth.host.Host;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Failures and timeouts end one item, are recorded in its status, and the processor goes on. */
@ExtendWith(VertxExtension.class)
class ItemOutcomeTest {

  private Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      await(host.stop());
    }
  }

  private ItemStatus finished(WorkQueue q, String id) {
    await().atMost(Duration.ofSeconds(5)).until(() -> q.status(id).orElseThrow().state().isFinal());
    return q.status(id).orElseThrow();
  }

  @Test
  void aFailingItemIsRecordedLoggedOnceAndTheNextItemStillRuns(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").concurrency(1).retry(new RetryOptions().maxAttempts(1)))
        .handler(SampleHandlers.FAIL, SampleHandlers.FAIL_HANDLER)
        .handler(SampleHandlers.LOG, SampleHandlers.LOG_HANDLER));
    WorkQueue q = host.work().queue("q");

    try (WorkTesting.Capture logs = WorkTesting.capture(Worker.class)) {
      String bad = await(q.enqueue(SampleHandlers.FAIL, new JsonObject().put("message", "disk on fire")));
      String good = await(q.enqueue(SampleHandlers.LOG, new JsonObject().put("message", "still here")));

      ItemStatus failed = finished(q, bad);
      ItemStatus next = finished(q, good);

      assertThat(failed.state()).isEqualTo(ItemState.DEAD);
      assertThat(failed.error()).isEqualTo("IllegalStateException: disk on fire");
      assertThat(failed.attempts()).isEqualTo(1);
      assertThat(failed.startedAt()).isNotNull();
      assertThat(failed.finishedAt()).isAfterOrEqualTo(failed.startedAt());
      assertThat(failed.toJson().getString("status")).isEqualTo("dead");
      assertThat(next.state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(next.error()).isNull();
      assertThat(logs.messages()).filteredOn(m -> m.contains(bad))
          .containsExactly("Queue 'q': item " + bad + " of type 'demo.fail' failed (attempt 1 of 1), dead: IllegalStateException: disk on fire");
    }
    QueueStats stats = q.stats();
    assertThat(stats.failed()).isEqualTo(1);
    assertThat(stats.dead()).isEqualTo(1);
    assertThat(stats.succeeded()).isEqualTo(1);
  }

  @Test
  void aPerItemTimeoutCancelsTheTokenAndRecordsTimedOut(Vertx vertx) {
    List<String> reasons = new CopyOnWriteArrayList<>();
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("q").concurrency(1).timeout(Duration.ofMillis(100)))
        .handler(SampleHandlers.SLEEP, ctx -> {
          try {
            SampleHandlers.SLEEP_HANDLER.handle(ctx);
          } finally {
            reasons.add(String.valueOf(ctx.token().reason()));
          }
        })
        .asyncHandler("never", ctx -> Promise.promise().future())
        .handler("quick", ctx -> { }));
    WorkQueue q = host.work().queue("q");

    String slow = await(q.enqueue(SampleHandlers.SLEEP, new JsonObject().put("ms", 30_000)));
    String hanging = await(q.enqueue("never", new JsonObject()));
    String quick = await(q.enqueue("quick", new JsonObject()));

    ItemStatus blocking = finished(q, slow);
    assertThat(blocking.state()).isEqualTo(ItemState.TIMED_OUT);
    assertThat(blocking.error()).isEqualTo("timed out after 100ms");
    assertThat(Duration.between(blocking.startedAt(), blocking.finishedAt())).isLessThan(Duration.ofSeconds(5));
    assertThat(reasons).containsExactly("timeout");
    // An async item that never completes is ended by its timeout and frees its slot for the next item.
    assertThat(finished(q, hanging).state()).isEqualTo(ItemState.TIMED_OUT);
    assertThat(finished(q, quick).state()).isEqualTo(ItemState.SUCCEEDED);
    assertThat(q.stats().timedOut()).isEqualTo(2);
  }
}
