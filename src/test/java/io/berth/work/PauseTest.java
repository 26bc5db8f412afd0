package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A paused queue admits and starts nothing until resumed; with SQLite the pause survives a restart. */
@ExtendWith(VertxExtension.class)
class PauseTest {

  @TempDir
  Path dir;

  private Host start(Vertx vertx, boolean durable) {
    JsonObject config = new JsonObject();
    if (durable) {
      config.put("store", new JsonObject().put("path", dir.resolve("berth.db").toString()));
    }
    Host host = Host.builder().vertx(vertx).options(new HostOptions().shutdownTimeout(Duration.ofSeconds(2)))
        .config(ConfigReader.of(config)).queue(new QueueOptions("q")).handler("noop", ctx -> { }).build();
    await(host.start());
    return host;
  }

  private static ItemState state(WorkQueue q, String id) {
    return await(q.find(id)).orElseThrow().state();
  }

  @Test
  void aPausedMemoryQueueAdmitsButStartsNothingUntilResumed(Vertx vertx) {
    Host host = start(vertx, false);
    try {
      WorkQueue q = host.work().queue("q");
      await(q.pause());
      assertThat(q.paused()).isTrue();
      String id = await(q.enqueue("noop", new JsonObject()));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> state(q, id) == ItemState.QUEUED);
      await(q.resume());
      await().atMost(Duration.ofSeconds(5)).until(() -> state(q, id) == ItemState.SUCCEEDED);
    } finally {
      await(host.stop());
    }
  }

  @Test
  void aPauseSurvivesARestartOfTheSqliteStore(Vertx vertx) {
    Host first = start(vertx, true);
    String id;
    try {
      WorkQueue q = first.work().queue("q");
      await(q.pause());
      id = await(q.enqueue("noop", new JsonObject()));
    } finally {
      await(first.stop());
    }
    Host second = start(vertx, true);
    try {
      WorkQueue q = second.work().queue("q");
      assertThat(q.paused()).isTrue();
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> state(q, id) == ItemState.QUEUED);
      await(q.resume());
      await().atMost(Duration.ofSeconds(5)).until(() -> state(q, id) == ItemState.SUCCEEDED);
    } finally {
      await(second.stop());
    }
    Host third = start(vertx, true);
    try {
      assertThat(third.work().queue("q").paused()).isFalse();
    } finally {
      await(third.stop());
    }
  }
}
