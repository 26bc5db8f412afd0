package io.berth.examples;

import io.berth.scope.Scope;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Twin of {@code CannonService}, from the article on fire-and-forget in ASP.NET Core: a singleton that runs work off the
 * request with a scope of its own ({@code IServiceScopeFactory.CreateScope}), so the work's dependencies live as long
 * as the work, not as the request. The failure it fixes is the article's {@code AsyncBoom}: {@code Task.Run} in a
 * controller action uses the request's {@code DbContext} after the request ended and its scope disposed it. Berth's
 * cannon is {@code host.work().fire(name, ctx -> ctx.scope().get(Type.class) ...)}: {@link #fire} is the article's
 * {@code Fire<T>}, and {@link #asyncBoom} reproduces the failure with a scoped {@link Db} closed with its request.
 */
public final class CannonService {

  private final WorkQueues work;

  public CannonService(WorkQueues work) {
    this.work = work;
  }

  /** Runs {@code bullet} with a {@code T} from the work's own scope, closed when it ends; a failure goes to handler. */
  public <T> Future<Void> fire(Class<T> type, Consumer<T> bullet, Consumer<Throwable> handler) {
    return work.fire("cannon", ctx -> bullet.accept(ctx.scope().get(type)), handler);
  }

  /** The article's {@code AsyncBoom}, wrong on purpose: the work captures the request's {@code Db}. */
  public Future<Void> asyncBoom(Scope request) {
    Db db = request.get(Db.class);
    return work.fire("boom", ctx -> {
      db.closed.join();   // the article's await Task.Delay: by the time the work gets on, the request has ended
      db.save("boom");
    });
  }

  /** A scoped dependency, like a {@code DbContext}: closed with its scope, and unusable after. */
  public static final class Db implements AutoCloseable {
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final List<String> rows;

    public Db(List<String> rows) {
      this.rows = rows;
    }

    public void save(String row) {
      if (closed.isDone()) {
        throw new IllegalStateException("Db is closed: the scope it was resolved in has ended");
      }
      rows.add(row);
    }

    @Override
    public void close() {
      closed.complete(null);
    }
  }
}
