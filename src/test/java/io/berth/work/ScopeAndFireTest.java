package io.berth.work;

import io.berth.host.Host;
import io.berth.scope.Scope;
import io.berth.scope.ServiceRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.berth.work.WorkTesting.await;
import static io.berth.work.WorkTesting.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every item and every fired job runs with a scope of its own, closed when it ends. */
@ExtendWith(VertxExtension.class)
class ScopeAndFireTest {

  /** A request-scoped resource, like the seed article's DbContext: unusable once its scope closed it. */
  static final class DbContext implements AutoCloseable {
    private volatile boolean disposed;

    String query() {
      if (disposed) {
        throw new IllegalStateException("Cannot access a disposed DbContext");
      }
      return "rows";
    }

    boolean disposed() {
      return disposed;
    }

    @Override
    public void close() {
      disposed = true;
    }
  }

  private final ServiceRegistry registry = ServiceRegistry.builder()
      .scoped(DbContext.class, r -> new DbContext())
      .build();
  private Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      await(host.stop());
    }
  }

  @Test
  void eachItemGetsItsOwnScopeClosedAfterTheItem(Vertx vertx) {
    List<DbContext> used = new CopyOnWriteArrayList<>();
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b
        .registry(registry)
        .queue(new QueueOptions("q").concurrency(2))
        .handler("query", ctx -> {
          DbContext db = ctx.scope().get(DbContext.class);
          assertThat(ctx.scope().get(DbContext.class)).isSameAs(db);
          db.query();
          used.add(db);
        }));
    WorkQueue q = host.work().queue("q");

    String first = await(q.enqueue("query", new JsonObject()));
    String second = await(q.enqueue("query", new JsonObject()));
    await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() == 2);

    assertThat(used).hasSize(2);
    assertThat(used.get(0)).isNotSameAs(used.get(1));
    assertThat(used).allMatch(DbContext::disposed);
    assertThat(q.status(first).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
    assertThat(q.status(second).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
  }

  @Test
  void asyncBoomWorkThatCapturedTheRequestScopeFailsWhileWorkWithItsOwnScopeSucceeds(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(5), b -> b.registry(registry));
    WorkQueues work = host.work();
    CompletableFuture<Void> requestEnded = new CompletableFuture<>();
    AtomicReference<Throwable> reported = new AtomicReference<>();
    AtomicReference<DbContext> ownDb = new AtomicReference<>();

    // The request: resolves its DbContext, fires work, and returns; its scope closes before the work runs.
    Future<Void> boom;
    Future<Void> safe;
    try (Scope request = registry.createScope("request")) {
      DbContext captured = request.get(DbContext.class);
      boom = work.fire("AsyncBoom", ctx -> {
        requestEnded.get(5, TimeUnit.SECONDS);
        captured.query();
      }, reported::set);
      safe = work.fire("AsyncSafe", ctx -> {
        requestEnded.get(5, TimeUnit.SECONDS);
        DbContext db = ctx.scope().get(DbContext.class);
        ownDb.set(db);
        db.query();
      });
    }
    requestEnded.complete(null);

    Throwable e = failure(boom);
    assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("Cannot access a disposed DbContext");
    await().atMost(Duration.ofSeconds(5)).until(() -> reported.get() != null);
    assertThat(reported.get()).isSameAs(e);
    await(safe);
    assertThat(ownDb.get().disposed()).as("the fired work's own scope is closed once it ends").isTrue();
    FireStats stats = work.fireStats();
    assertThat(stats.fired()).isEqualTo(2);
    assertThat(stats.failed()).isEqualTo(1);
    assertThat(stats.succeeded()).isEqualTo(1);
    assertThat(stats.running()).isZero();
  }

  @Test
  void theStopWaitsForFiredWorkWithinTheBudget(Vertx vertx) throws Exception {
    host = WorkTesting.startHost(vertx, Duration.ofSeconds(10), b -> b.registry(registry));
    CompletableFuture<Void> release = new CompletableFuture<>();
    CompletableFuture<Void> running = new CompletableFuture<>();
    Future<Void> job = host.work().fire("slow", ctx -> {
      running.complete(null);
      release.get(10, TimeUnit.SECONDS);
    });
    running.get(5, TimeUnit.SECONDS);

    Future<Void> stopped = host.stop();
    await().atMost(Duration.ofSeconds(5)).until(() -> host.work().fire("late", ctx -> { }).failed());
    assertThat(stopped.isComplete()).isFalse();
    release.complete(null);
    await(stopped);
    host = null;

    assertThat(job.succeeded()).isTrue();
  }
}
