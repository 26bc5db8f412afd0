package io.berth.admin;

import io.berth.core.HostEvent;
import io.berth.core.HostEvents;
import io.berth.core.ServiceEvent;
import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@ExtendWith(VertxExtension.class)
class EventStreamTest {

  @Test
  void aClientSeesStartedServiceChangesAndStopping(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .background("worker", token -> token.future().toCompletionStage().toCompletableFuture().join())
        .queue(new QueueOptions("q"))
        .handler("noop", ctx -> { })
        .http(new HttpOptions().port(0).token("t"))
        .build();
    AdminApiTest.sync(host.start());
    Api api = Api.of(host, "t");
    HttpResponse<Stream<String>> response = Api.CLIENT.send(api.request("/api/v1/events").GET().build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> response.body().forEach(lines::add), "sse-reader");
    reader.setDaemon(true);
    reader.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"event\":\"started\"")));
    String id = host.work().queue("q").enqueue("noop", new JsonObject()).toCompletionStage().toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
    for (String status : List.of("queued", "running", "succeeded")) {
      await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.startsWith("data: ")
          && l.contains("\"id\":\"" + id + "\"") && l.contains("\"status\":\"" + status + "\"")));
    }
    List<String> itemData = lines.stream().filter(l -> l.contains("\"id\":\"" + id + "\"")).toList();
    assertThat(itemData).hasSize(3);
    assertThat(itemData.get(0)).contains("queued");
    assertThat(itemData.get(1)).contains("running");
    assertThat(itemData.get(2)).contains("succeeded");
    assertThat(lines).contains("event: item");

    AdminApiTest.sync(host.stop());
    await().atMost(Duration.ofSeconds(5)).until(() -> lines.stream().anyMatch(l -> l.contains("\"event\":\"stopping\"")));
    assertThat(lines).contains("event: lifetime", "event: service");
    assertThat(lines.stream().filter(l -> l.startsWith("data: ")))
        .allSatisfy(l -> assertThat(new JsonObject(l.substring(6))).isNotNull());
    // The server ended the stream when it stopped.
    reader.join(5000);
    assertThat(reader.isAlive()).isFalse();
  }

  @Test
  void aSlowReaderGetsEventsDroppedAndCountedNotBuffered(Vertx vertx) throws Exception {
    int buffer = 16;
    HostEvents hostEvents = new HostEvents();
    EventStream events = new EventStream(hostEvents, buffer, () -> new JsonObject().put("event", "started"), 60_000);
    Router router = Router.router(vertx);
    router.get("/events").handler(events::handle);
    HttpServer server = vertx.createHttpServer().requestHandler(router);
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).actualPort();

    try (RawHttp raw = new RawHttp(port)) {
      raw.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> events.clients() == 1);
      String filler = "x".repeat(8 * 1024);
      // The client reads nothing: far more than the socket buffers hold is published.
      for (int i = 0; i < 3000 && events.dropped() == 0; i++) {
        JsonObject event = new JsonObject().put("service", "s" + i).put("filler", filler);
        hostEvents.publish(new HostEvent() {
          @Override
          public String topic() {
            return ServiceEvent.TOPIC;
          }

          @Override
          public JsonObject toJson() {
            return event;
          }
        });
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> events.dropped() > 0);

      // Once the client reads again, it learns how many events it missed.
      InputStream in = rawInput(raw);
      StringBuilder seen = new StringBuilder();
      byte[] buf = new byte[65536];
      while (seen.indexOf("event: dropped") < 0) {
        int n = in.read(buf);
        assertThat(n).as("stream ended before a dropped event").isPositive();
        seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        if (seen.length() > 1_000_000) {
          seen.delete(0, seen.length() - 100);
        }
      }
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> events.clients() == 0);
  }

  private static InputStream rawInput(RawHttp raw) {
    return raw.input();
  }
}
