package io.berth.cli;

import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.service.BackgroundService;
import io.berth.testing.Await;
import io.berth.testing.LogCapture;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The jar's {@code monitor} demo: off by default, on with {@code services.monitor.enabled: true}; "w" enqueues. */
class DefaultAppMonitorTest {

  @Test
  void theMonitorIsOffByDefaultAndOnWhenEnabled() throws Exception {
    assertThat(serviceNames(defaultConfig())).doesNotContain("monitor");
    JsonObject enabled = defaultConfig();
    enabled.getJsonObject("services").getJsonObject("monitor").put("enabled", true);
    assertThat(serviceNames(enabled)).contains("monitor");
    JsonObject absent = defaultConfig();
    absent.getJsonObject("services").remove("monitor");
    assertThat(serviceNames(absent)).doesNotContain("monitor");
  }

  @Test
  void eachLineWEnqueuesAWorkItemThatRunsItsThreeStepsAndTheLoopStopsWithTheHost() throws Exception {
    Vertx vertx = Vertx.vertx();
    PipedWriter keys = new PipedWriter();
    BackgroundService monitor = new MonitorLoop(new BufferedReader(new PipedReader(keys)), Duration.ofMillis(20));
    Host host = Host.builder().vertx(vertx, true).queue(new QueueOptions("default"))
        .background("monitor", monitor).build();
    try (LogCapture log = LogCapture.start()) {
      Await.result(host.start());
      keys.write("hello\nw\n");
      keys.flush();
      await().until(() -> log.text().contains(" is complete."));
      assertThat(host.work().queue("default").stats().succeeded()).isEqualTo(1);
      long t0 = System.nanoTime();
      Await.result(host.stop());

      assertThat((System.nanoTime() - t0) / 1_000_000).as("the loop does not wait for input to stop").isLessThan(1000);
      assertThat(log.text()).contains(" is running. 3/3").doesNotContain("was cancelled");
    }
    assertThat(host.exitCode()).isZero();
  }

  private static JsonObject defaultConfig() throws Exception {
    JsonObject json = new JsonObject(Files.readString(Path.of("conf/config.json")));
    json.getJsonObject("http").put("port", 0);
    json.put("store", new JsonObject().put("type", "memory"));   // hosts built here are never started nor stopped
    return json;
  }

  private static java.util.List<String> serviceNames(JsonObject json) {
    Vertx vertx = Vertx.vertx();
    try {
      Host host = DefaultApp.build(vertx, ConfigReader.of(json, Map.of(), Map.of()));
      return host.services().stream().map(s -> s.name()).toList();
    } finally {
      vertx.close();
    }
  }
}
