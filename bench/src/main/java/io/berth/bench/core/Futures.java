package io.berth.bench.core;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;

public final class Futures {
  private Futures() {}

  /** Blocks a non-Vert.x thread on a Vert.x future (30 s bound). */
  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
