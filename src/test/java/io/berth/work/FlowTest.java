package io.berth.work;

import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The event bus carries items under credit-based flow: nothing is dropped however fast the producer is. */
@ExtendWith(VertxExtension.class)
class FlowTest {

  private static final int ITEMS = 100_000;

  private Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      await(host.stop());
    }
  }

  @Test
  void everyItemOfAFastProducerRunsExactlyOnceThroughASlowConsumer(Vertx vertx) {
    AtomicIntegerArray runs = new AtomicIntegerArray(ITEMS);
    AtomicLong total = new AtomicLong();
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("flow").capacity(32).concurrency(2).enqueueTimeout(Duration.ofMinutes(1))
            .statusRetention(1000))
        .handler("count", ctx -> {
          runs.incrementAndGet(ctx.payload().getInteger("n"));
          total.incrementAndGet();
          // A slow consumer: a few microseconds of work per item (spinning, not sleeping: no timer granularity).
          long end = System.nanoTime() + 3_000;
          while (System.nanoTime() < end) {
            Thread.onSpinWait();
          }
        }));
    WorkQueue q = host.work().queue("flow");

    // All requests are sent at once from one event loop, far faster than two workers can run them: half over the
    // event bus (the queue's address), half in-process; both go through the same admission.
    Promise<List<Future<String>>> sent = Promise.promise();
    vertx.runOnContext(v -> {
      List<Future<String>> all = new ArrayList<>(ITEMS);
      for (int n = 0; n < ITEMS; n++) {
        JsonObject payload = new JsonObject().put("n", n);
        all.add(n % 2 == 0
            ? WorkQueues.request(vertx.eventBus(), "flow", "count", payload, 120_000)
            : q.enqueue("count", payload));
      }
      sent.complete(all);
    });
    List<Future<String>> all = await(sent.future());
    await(Future.all(all));

    await().atMost(Duration.ofSeconds(30)).until(() -> q.stats().succeeded() == ITEMS);
    assertThat(total.get()).isEqualTo(ITEMS);
    for (int n = 0; n < ITEMS; n++) {
      assertThat(runs.get(n)).as("runs of item %d", n).isEqualTo(1);
    }
    QueueStats stats = q.stats();
    assertThat(stats.enqueued()).isEqualTo(ITEMS);
    assertThat(stats.failed() + stats.rejected() + stats.cancelled()).isZero();
    assertThat(stats.depth()).isZero();
    assertThat(stats.inFlight()).isZero();
    assertThat(all.stream().map(Future::result).distinct().count()).isEqualTo(ITEMS);
  }

  @Test
  void localWorkCrossesTheEventBusWithTheLocalCodec(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b.queue(new QueueOptions("local")));
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    Future<String> id = vertx.eventBus().<String>request(WorkQueues.address("local"),
            LocalWork.of("greet", ctx -> seen.add(ctx.type() + ":" + ctx.id())), LocalCodec.DELIVERY)
        .map(m -> m.body());

    String itemId = await(id);
    await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
    assertThat(seen).containsExactly("greet:" + itemId);
    await().atMost(Duration.ofSeconds(5)).until(() ->
        host.work().queue("local").status(itemId).orElseThrow().state() == ItemState.SUCCEEDED);
  }

  @Test
  void malformedEventBusItemsAreRefusedAsInvalidItems(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("a"))
        .handler("a", "only-a", ctx -> { }));
    String address = WorkQueues.address("a");

    Throwable notJson = WorkException.fromReply(failure(vertx.eventBus().request(address, "only-a")), "a");
    Throwable badPayload = WorkException.fromReply(failure(vertx.eventBus().request(address,
        new JsonObject().put("type", "only-a").put("payload", "x"))), "a");

    assertThat(((WorkException) notJson).code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(notJson.getMessage()).isEqualTo("a work item must be a JSON object with a 'type', not String");
    assertThat(((WorkException) badPayload).code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(badPayload.getMessage()).isEqualTo("the item's 'payload' must be a JSON object");
    assertThat(host.work().queue("a").stats().enqueued()).isZero();
  }

  @Test
  void unknownTypesAndQueuesAreRefusedAtEnqueue(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("a"))
        .handler("a", "only-a", ctx -> { }));
    WorkQueue q = host.work().queue("a");

    Throwable local = failure(q.enqueue("nope", new JsonObject()));
    Throwable bus = failure(WorkQueues.request(vertx.eventBus(), "a", "nope", null, 5000));
    Throwable noQueue = failure(WorkQueues.request(vertx.eventBus(), "missing", "only-a", null, 5000));

    assertThat(((WorkException) local).code()).isEqualTo(WorkException.UNKNOWN_TYPE);
    assertThat(local.getMessage()).isEqualTo("queue 'a' has no handler for type 'nope'; its types are: only-a");
    assertThat(((WorkException) bus).code()).isEqualTo(WorkException.UNKNOWN_TYPE);
    assertThat(((WorkException) noQueue).code()).isEqualTo(WorkException.UNKNOWN_QUEUE);
    assertThat(q.accepts("only-a")).isTrue();
    assertThat(q.stats().enqueued()).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> host.work().queue("missing"))
        .isInstanceOf(WorkException.class).hasMessageContaining("no queue named 'missing'");
  }

  @Test
  void anEventBusItemWithAFieldAnItemHasNotIsRefusedAsInvalid(Vertx vertx) {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .queue(new QueueOptions("a"))
        .handler("a", "only-a", ctx -> { }));

    Throwable extra = WorkException.fromReply(failure(vertx.eventBus().request(WorkQueues.address("a"),
        new JsonObject().put("type", "only-a").put("priority", "high"))), "a");

    assertThat(((WorkException) extra).code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(extra.getMessage()).isEqualTo(
        "the item's field 'priority' is not allowed; an item has only 'type', 'payload', 'runAt', 'delay' and 'key'");
    assertThat(host.work().queue("a").stats().enqueued()).isZero();
  }
}
