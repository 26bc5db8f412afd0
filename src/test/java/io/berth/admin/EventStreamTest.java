package io.berth.admin;

import io.berth.core.HostEvent;
import io.berth.core.HostEvents;
import io.berth.core.HostListener;
import io.berth.core.HostView;
import io.berth.core.internal.Instants;
import io.berth.service.Schedule;
import io.berth.testing.LogCapture;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void theSnapshotCarriesTheStartTimeAndEveryTopicFlowsWithAMillisecondAt(Vertx vertx) throws Exception {
    List<JsonObject> lifetime = new CopyOnWriteArrayList<>();
    HostView[] view = new HostView[1];
    Host host = Host.builder().vertx(vertx)
        .timed("report", Schedule.every(Duration.ofHours(1)), run -> { })
        .module(ctx -> {
          view[0] = ctx.host();
          ctx.listen(new HostListener() {
            @Override
            public void onEvent(HostEvent event) {
              lifetime.add(event.toJson());
            }

            @Override
            public boolean wants(String topic) {
              return topic.equals("lifetime");
            }
          });
        })
        .http(new HttpOptions().port(0).token("t"))
        .build();
    AdminApiTest.sync(host.start());
    String startedAt = lifetime.stream().filter(j -> "started".equals(j.getString("event"))).findFirst()
        .orElseThrow().getString("at");
    // The clock moves past the start before the client connects, so the time of connection would differ.
    await().atMost(Duration.ofSeconds(5)).until(() -> !Instants.iso(Instant.now()).equals(startedAt));
    Api api = Api.of(host, "t");
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = read(api, lines);
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> data(lines, "lifetime").size() == 1);
      JsonObject snapshot = data(lines, "lifetime").get(0);
      assertThat(snapshot.getBoolean("snapshot")).isTrue();
      assertThat(snapshot.getString("event")).isEqualTo("started");
      assertThat(snapshot.getString("at")).isEqualTo(startedAt).matches(MILLIS);
      assertThat(snapshot.getString("startedAt")).isEqualTo(startedAt);

      // A timed run is forwarded, and so is a topic this class has never heard of (node join/leave, say).
      AdminApiTest.sync(host.trigger("report"));
      await().atMost(Duration.ofSeconds(5)).until(() -> !data(lines, "timed-run").isEmpty());
      assertThat(data(lines, "timed-run").get(0).getString("service")).isEqualTo("report");
      view[0].events().publish(event("node", new JsonObject().put("node", "n2").put("change", "joined")));
      await().atMost(Duration.ofSeconds(5)).until(() -> !data(lines, "node").isEmpty());
      JsonObject node = data(lines, "node").get(0);
      assertThat(node.getString("node")).isEqualTo("n2");
      assertThat(node.getString("at")).matches(MILLIS);
      assertThat(data(lines, "timed-run").get(0).getString("at")).matches(MILLIS);
    } finally {
      AdminApiTest.sync(host.stop());
      reader.join(5000);
    }
  }

  @Test
  void eachEventIsSerialisedOnceForAllClients(Vertx vertx) throws Exception {
    HostView[] view = new HostView[1];
    Host host = Host.builder().vertx(vertx)
        .module(ctx -> view[0] = ctx.host())
        .http(new HttpOptions().port(0).token("t"))
        .build();
    AdminApiTest.sync(host.start());
    Api api = Api.of(host, "t");
    int clients = 12;
    List<List<String>> seen = new ArrayList<>();
    List<Thread> readers = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        List<String> lines = new CopyOnWriteArrayList<>();
        seen.add(lines);
        readers.add(read(api, lines));
      }
      await().atMost(Duration.ofSeconds(10))
          .until(() -> seen.stream().allMatch(l -> data(l, "lifetime").size() == 1));
      AtomicInteger serialised = new AtomicInteger();
      JsonObject body = new JsonObject().put("n", 1);
      view[0].events().publish(new HostEvent() {
        @Override
        public String topic() {
          return "probe";
        }

        @Override
        public JsonObject toJson() {
          serialised.incrementAndGet();
          return body.copy();
        }
      });
      await().atMost(Duration.ofSeconds(10))
          .until(() -> seen.stream().allMatch(l -> data(l, "probe").size() == 1));
      assertThat(seen).allSatisfy(l -> assertThat(data(l, "probe").get(0).getInteger("n")).isEqualTo(1));
      assertThat(serialised).hasValue(1);
    } finally {
      AdminApiTest.sync(host.stop());
      for (Thread t : readers) {
        t.join(5000);
      }
    }
  }

  @Test
  void aSlowReaderDoesNotHoldBackAFastOne(Vertx vertx) throws Exception {
    HostEvents hostEvents = new HostEvents();
    EventStream events = new EventStream(hostEvents, 16, () -> new JsonObject().put("event", "started"), 60_000);
    Router router = Router.router(vertx);
    router.get("/events").handler(events::handle);
    HttpServer server = vertx.createHttpServer().requestHandler(router);
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)
        .actualPort();
    try (RawHttp slow = new RawHttp(port); RawHttp fast = new RawHttp(port)) {
      slow.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> events.clients() == 1);
      fast.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> events.clients() == 2);
      InputStream in = fast.input();
      String filler = "x".repeat(32 * 1024);
      int total = 300;
      StringBuilder seen = new StringBuilder();
      byte[] buf = new byte[65536];
      for (int i = 0; i < total; i++) {
        hostEvents.publish(event(ServiceEvent.TOPIC, new JsonObject().put("seq", i).put("filler", filler)));
        // Each event reaches the fast client while the slow one, which never reads, falls behind.
        String mark = "\"seq\":" + i + ",";
        while (seen.indexOf(mark, Math.max(0, seen.length() - 70_000)) < 0) {
          int n = in.read(buf);
          assertThat(n).as("the fast client's stream ended").isPositive();
          seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
      }
      // The fast client got every event, in order; the slow one lost some, counted.
      int count = 0;
      for (int at = seen.indexOf("\"seq\":"); at >= 0; at = seen.indexOf("\"seq\":", at + 1)) {
        count++;
      }
      assertThat(count).isEqualTo(total);
      assertThat(events.dropped()).isPositive();
    }
  }

  @Test
  void clientsHangingUpWhileItemsFlowLogNothingAtWarn(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("q").capacity(10_000))
        .handler("noop", ctx -> { })
        .http(new HttpOptions().port(0).token("t"))
        .build();
    AdminApiTest.sync(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    try (LogCapture log = LogCapture.start()) {
      List<RawHttp> clients = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        RawHttp raw = new RawHttp(port);
        raw.write("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n");
        clients.add(raw);
      }
      for (int round = 0; round < clients.size(); round++) {
        for (int i = 0; i < 50; i++) {
          host.work().queue("q").enqueue("noop", new JsonObject().put("n", i));
        }
        clients.get(round).close();   // hangs up with events in flight
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> host.work().queue("q").stats().succeeded() == 1000);
      assertThat(log.lines()).noneMatch(l -> l.startsWith("WARN") || l.startsWith("ERROR"));
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }

  private static final String MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

  private static Thread read(Api api, List<String> lines) throws Exception {
    HttpResponse<Stream<String>> response = Api.CLIENT.send(api.request("/api/v1/events").GET().build(),
        HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    Thread reader = new Thread(() -> response.body().forEach(lines::add), "sse-reader");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  /** The data of each SSE event named {@code name}, in order. */
  private static List<JsonObject> data(List<String> lines, String name) {
    List<JsonObject> found = new ArrayList<>();
    List<String> copy = new ArrayList<>(lines);
    for (int i = 0; i + 1 < copy.size(); i++) {
      if (copy.get(i).equals("event: " + name) && copy.get(i + 1).startsWith("data: ")) {
        found.add(new JsonObject(copy.get(i + 1).substring(6)));
      }
    }
    return found;
  }

  private static HostEvent event(String topic, JsonObject json) {
    return new HostEvent() {
      @Override
      public String topic() {
        return topic;
      }

      @Override
      public JsonObject toJson() {
        return json.copy();
      }
    };
  }

  private static InputStream rawInput(RawHttp raw) {
    return raw.input();
  }
}
