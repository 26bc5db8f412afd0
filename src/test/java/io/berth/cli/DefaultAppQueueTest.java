package io.berth.cli;

import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.work.ItemState;
import io.berth.work.WorkQueue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The jar's default app has a {@code default} queue with the demo handlers, configured by conf/config.json. */
class DefaultAppQueueTest {

  @Test
  void theDefaultQueueRunsTheDemoHandlers() throws Exception {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf/config.json")));
    json.getJsonObject("http").put("port", 0);
    json.getJsonObject("store").put("path", Files.createTempDirectory("berth-store").resolve("berth.db").toString());
    ConfigReader config = ConfigReader.of(json, Map.of(), Map.of());
    Vertx vertx = Vertx.vertx();
    Host host = DefaultApp.build(vertx, config);
    host.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    try {
      WorkQueue q = host.work().queue("default");
      assertThat(q.types()).containsExactlyInAnyOrder("demo.sleep", "demo.fail", "log");
      assertThat(q.options().capacity()).isEqualTo(100);
      String sleep = get(q.enqueue("demo.sleep", new JsonObject().put("ms", 10)));
      String fail = get(q.enqueue("demo.fail", new JsonObject().put("message", "as asked")));
      String log = get(q.enqueue("log", new JsonObject().put("message", "hello")));
      await().atMost(Duration.ofSeconds(5)).until(() -> q.stats().succeeded() + q.stats().failed() == 3);
      assertThat(q.status(sleep).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
      assertThat(q.status(fail).orElseThrow().error()).isEqualTo("IllegalStateException: as asked");
      assertThat(q.status(log).orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
    } finally {
      host.stop();
      host.lifetime().stopped().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String get(io.vertx.core.Future<String> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
