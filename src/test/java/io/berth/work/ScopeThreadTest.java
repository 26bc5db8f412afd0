package io.berth.work;

import io.berth.host.Host;
import io.berth.scope.ServiceRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scope closes on the thread that ran the work, never on an event loop: a scoped service whose close blocks
 * (flushes, returns a connection) must not hold one, even when an async item's future completes on an event loop
 * or its timeout fires there.
 */
@ExtendWith(VertxExtension.class)
class ScopeThreadTest {

  /** Records where it was closed. */
  static final class Resource implements AutoCloseable {
    final CompletableFuture<String> closedOn = new CompletableFuture<>();

    @Override
    public void close() {
      closedOn.complete((Context.isOnEventLoopThread() ? "event-loop " : "off-loop ") + Thread.currentThread().getName());
    }
  }

  private final CompletableFuture<Resource> resource = new CompletableFuture<>();
  private final ServiceRegistry registry = ServiceRegistry.builder()
      .scoped(Resource.class, r -> {
        Resource res = new Resource();
        resource.complete(res);
        return res;
      })
      .build();
  private Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      await(host.stop());
    }
  }

  private String closedOn() throws Exception {
    return resource.get(5, TimeUnit.SECONDS).closedOn.get(5, TimeUnit.SECONDS);
  }

  @Test
  void anAsyncItemCompletedOnAnEventLoopClosesItsScopeOnTheQueuesWorker(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .registry(registry)
        .queue(new QueueOptions("q").concurrency(1))
        .asyncHandler("async", ctx -> {
          ctx.scope().get(Resource.class);
          Promise<Void> done = Promise.promise();
          vertx.setTimer(5, t -> done.complete());   // completes on an event loop
          return done.future();
        }));

    await(host.work().queue("q").enqueue("async", new JsonObject()));

    assertThat(closedOn()).startsWith("off-loop berth-queue-q");
  }

  @Test
  void anAsyncItemEndedByItsTimeoutClosesItsScopeOnTheQueuesWorker(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .registry(registry)
        .queue(new QueueOptions("q").concurrency(1).timeout(Duration.ofMillis(50)))
        .asyncHandler("never", ctx -> {
          ctx.scope().get(Resource.class);
          return Promise.promise().future();   // never completes: the timeout (an event-loop timer) ends it
        }));
    WorkQueue q = host.work().queue("q");

    String id = await(q.enqueue("never", new JsonObject()));

    assertThat(closedOn()).startsWith("off-loop berth-queue-q");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
        .until(() -> q.status(id).orElseThrow().state() == ItemState.TIMED_OUT);
  }

  @Test
  void firedWorkClosesItsScopeOnItsPoolsThread(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b.registry(registry));

    await(host.work().fire("job", ctx -> ctx.scope().get(Resource.class)));

    assertThat(closedOn()).startsWith("off-loop berth-fire");
  }

  @Test
  void anAsyncItemThatIsCompleteAtOnceClosesItsScopeOnTheQueuesWorker(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .registry(registry)
        .queue(new QueueOptions("q").concurrency(1))
        .asyncHandler("now", ctx -> {
          ctx.scope().get(Resource.class);
          return Future.succeededFuture();
        }));

    await(host.work().queue("q").enqueue("now", new JsonObject()));

    assertThat(closedOn()).startsWith("off-loop berth-queue-q");
  }
}
