package io.berth.bench.start;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigLoader;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.metrics.MetricsModule;
import io.berth.service.BackgroundService;
import io.berth.service.Schedule;
import io.berth.service.TimedService;
import io.berth.work.QueueOptions;
import io.berth.work.StoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A diagnostic for start-to-ready, not a workload: the default app of {@code java -jar berth.jar} rebuilt through the
 * public {@code Host.builder()} API, with parts left out, to measure what each part costs at start.
 * Usage: {@code java -cp berth-bench.jar io.berth.bench.start.StartProbe CONF [metrics] [dashboard] [sqlite] [services]}
 * ({@code CONF}: a config file with {@code http.port} and {@code http.tokenFile}). Without {@code sqlite} the store is
 * in memory; with {@code nohttp} the host has no HTTP module (admin API from its OpenAPI contract, health, metrics,
 * dashboard) and a bare Vert.x route answers the ready probe once the host has started. Like {@code BerthCommand}, Vert.x is created on a thread of its own while the config is read.
 */
public final class StartProbe {
  private StartProbe() {}

  public static void main(String[] args) throws Exception {
    Set<String> parts = Set.copyOf(Arrays.asList(args).subList(1, args.length));
    boolean metricsOn = parts.contains("metrics");
    MetricsModule metrics = metricsOn ? new MetricsModule() : null;
    VertxOptions vo = new VertxOptions().setMaxWorkerExecuteTime(120).setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS);
    CompletableFuture<Vertx> early = CompletableFuture.supplyAsync(
        () -> metricsOn ? metrics.vertxBuilder(vo).build() : Vertx.vertx(vo));
    Vertx vertx = early.get();
    // read as the jar reads it (vertx-config), then the store switched to memory unless "sqlite"
    ConfigLoader.load(vertx, Path.of(args[0])).toCompletionStage().toCompletableFuture().get();
    ConfigReader config = rebuilt(args[0], parts.contains("sqlite"));
    Host.Builder b = Host.builder().vertx(vertx, true).config(config);
    if (parts.contains("services")) {
      b.background("heartbeat", (BackgroundService) token -> {
        while (token.sleep(Duration.ofSeconds(5))) {
          // beat
        }
      });
      b.timed("ticker", Schedule.every(Duration.ofSeconds(10)), (TimedService) run -> { });
    }
    b.store(new StoreOptions()).queue(new QueueOptions("default")).handler("noop", ctx -> { });
    boolean admin = !parts.contains("nohttp");
    if (admin) b.http(HttpOptions.from(config.section("http")));
    if (metricsOn && admin) b.metrics(metrics);
    if (parts.contains("dashboard") && admin) b.dashboard();
    Host host = b.build();
    host.core().handleSignals();
    host.start().toCompletionStage().toCompletableFuture().get();
    if (!admin) {
      // the host without its HTTP module: a bare route answers the ready probe once the host has started
      vertx.createHttpServer().requestHandler(req -> req.response().end("{\"status\":\"UP\"}"))
          .listen(config.section("http").integer("port", 8080, 1, 65535), "127.0.0.1").toCompletionStage().toCompletableFuture()
          .get();
    }
    host.lifetime().stopped().toCompletionStage().toCompletableFuture().get();
    System.exit(host.exitCode());
  }

  /** The config file, with {@code store.type: memory} unless {@code sqlite}. */
  private static ConfigReader rebuilt(String file, boolean sqlite) throws Exception {
    JsonObject root = new JsonObject(Files.readString(Path.of(file)));
    if (!sqlite) root.put("store", new JsonObject().put("type", "memory"));
    return ConfigReader.of(root);
  }
}
