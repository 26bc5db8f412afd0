package io.berth.bench.start;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;

/**
 * Baseline program for start-to-ready: a bare Vert.x HTTP server with {@code GET /health/ready}
 * answering 200. Usage: {@code java -cp berth-bench.jar io.berth.bench.start.BareServer <port>}.
 * Closes Vert.x on SIGTERM (shutdown hook), like a graceful service would.
 */
public final class BareServer {
  private BareServer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args.length > 0 ? args[0] : "8080");
    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/health/ready").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end("{\"status\":\"UP\"}"));
    vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }, "bare-server-shutdown"));
  }
}
