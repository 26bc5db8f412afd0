package io.berth.admin;

import io.berth.core.HostEvent;
import io.berth.core.HostEvents;
import io.berth.core.HostListener;
import io.berth.core.LifetimeEvent;
import io.berth.core.internal.Instants;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/events}: server-sent events relaying every host event, whatever its topic (lifetime, service,
 * item, timed-run, node, ... — a new kind of event flows with no change here). Each SSE event is named after its
 * topic and carries the event's JSON as data, with {@code at} (ISO-8601, milliseconds) added when the event has none.
 *
 * <p>Fan-out is cheap: one listener serves all clients, each event is turned into its SSE frame once, and handed
 * over once per event loop that has clients (not once per client). With no client connected the listener wants
 * nothing but lifetime events, so the queues build no item events at all.
 *
 * <p>A slow reader slows no one else and cannot grow memory without bound: while its connection's write queue is
 * full, frames wait in its own buffer of {@code http.eventBuffer} frames; beyond that they are dropped and counted,
 * and the client gets one {@code dropped} event with the count once it catches up.
 *
 * <p>The first event a client gets is a {@code lifetime} snapshot ({@code "snapshot": true}): where the host is, with
 * {@code at} the time the host entered that state (its real start time once started), not the time of connection.
 */
final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  private final int bufferSize;
  private final Supplier<JsonObject> snapshot;
  private final long keepAliveMs;
  /** The connected clients, grouped by the event loop that serves them. */
  private final Map<Context, Set<Client>> byContext = new ConcurrentHashMap<>();
  private final AtomicInteger clientCount = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AutoCloseable listening;
  /** The last lifetime event seen (its {@code event} and {@code at}), for the snapshot. */
  private volatile JsonObject lastLifetime;
  private volatile String startedAt;

  /**
   * @param snapshot the current lifetime state, sent first as a {@code lifetime} event so a client that connects
   *                 after {@code started} still learns where the host is
   * @param keepAliveMs how often a quiet stream gets a {@code : keep-alive} comment, which keeps it within the
   *                    server's idle timeout
   */
  EventStream(HostEvents events, int bufferSize, Supplier<JsonObject> snapshot, long keepAliveMs) {
    this.bufferSize = bufferSize;
    this.snapshot = snapshot;
    this.keepAliveMs = keepAliveMs;
    this.listening = events.listen(new Relay());
  }

  /** Events dropped for slow clients since the server started. */
  long dropped() {
    return dropped.get();
  }

  int clients() {
    return clientCount.get();
  }

  /** The one listener of all clients: builds each frame once, then hands it to each event loop with clients. */
  private final class Relay implements HostListener {

    @Override
    public boolean wants(String topic) {
      return clientCount.get() > 0 || LifetimeEvent.TOPIC.equals(topic);
    }

    @Override
    public void onEvent(HostEvent event) {
      JsonObject json = event.toJson();
      if (LifetimeEvent.TOPIC.equals(event.topic())) {
        lastLifetime = json.copy();
        if ("started".equals(json.getString("event"))) {
          startedAt = json.getString("at");
        }
      }
      if (clientCount.get() == 0) {
        return;
      }
      if (!json.containsKey("at")) {
        json.put("at", Instants.iso(Instant.now()));
      }
      Buffer frame = frame(event.topic(), json);
      Context here = Vertx.currentContext();
      for (Map.Entry<Context, Set<Client>> e : byContext.entrySet()) {
        Set<Client> group = e.getValue();
        if (group.isEmpty()) {
          continue;
        }
        if (e.getKey() == here) {
          deliver(group, frame);
        } else {
          e.getKey().runOnContext(v -> deliver(group, frame));
        }
      }
    }
  }

  private static Buffer frame(String event, JsonObject data) {
    return Buffer.buffer("event: " + event + "\ndata: " + data.encode() + "\n\n");
  }

  /** On the group's event loop: the same frame to each of its clients. */
  private static void deliver(Set<Client> group, Buffer frame) {
    for (Client c : group) {
      c.send(frame);
    }
  }

  /** The lifetime snapshot, with the time the host entered its current state when known. */
  private JsonObject snapshot() {
    JsonObject json = snapshot.get().copy();
    JsonObject last = lastLifetime;
    if (last != null && last.getString("at") != null
        && String.valueOf(last.getString("event")).equals(json.getString("event"))) {
      json.put("at", last.getString("at"));
    }
    if (startedAt != null) {
      json.put("startedAt", startedAt);
    }
    json.put("snapshot", true);
    return json;
  }

  void handle(RoutingContext rc) {
    HttpServerResponse response = rc.response();
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .putHeader("x-accel-buffering", "no");
    Context context = Vertx.currentContext();
    Client client = new Client(response, context);
    response.closeHandler(v -> client.close());
    response.exceptionHandler(e -> client.close());
    response.drainHandler(v -> client.drain());
    response.write(": connected\n\n");
    client.send(frame(LifetimeEvent.TOPIC, snapshot()));
    byContext.computeIfAbsent(context, k -> ConcurrentHashMap.newKeySet()).add(client);
    clientCount.incrementAndGet();
    client.keepAlive = context.owner().setPeriodic(keepAliveMs, id -> client.keepAlive());
    if (response.closed()) {
      client.close();   // it hung up before the close handler was set: nothing else would release it
    }
  }

  /** Ends every stream, so that the server can close without waiting for clients that never hang up. */
  void closeAll() {
    for (Set<Client> group : byContext.values()) {
      for (Client c : new ArrayList<>(group)) {
        c.close();
        if (!c.response.ended()) {
          c.response.end();
        }
      }
    }
    try {
      listening.close();
    } catch (Exception e) {
      log.debug("closing the events listener failed", e);
    }
  }

  /** One connected client; its state is touched only on its request's event loop. */
  private final class Client {
    final HttpServerResponse response;
    final Context context;
    final ArrayDeque<Buffer> pending = new ArrayDeque<>();
    long keepAlive = -1;
    long droppedHere;
    volatile boolean closed;

    Client(HttpServerResponse response, Context context) {
      this.response = response;
      this.context = context;
    }

    void send(Buffer frame) {
      if (closed) {
        return;
      }
      if (pending.isEmpty() && !response.writeQueueFull()) {
        response.write(frame);
      } else if (pending.size() < bufferSize) {
        pending.add(frame);
      } else {
        droppedHere++;
        if (dropped.incrementAndGet() % 1000 == 1) {
          log.info("An events client reads too slowly; {} event(s) dropped for it so far", droppedHere);
        }
      }
    }

    void drain() {
      while (!pending.isEmpty() && !response.writeQueueFull()) {
        response.write(pending.poll());
      }
      if (pending.isEmpty() && droppedHere > 0 && !response.writeQueueFull()) {
        response.write(frame("dropped", new JsonObject().put("dropped", droppedHere)
            .put("at", Instants.iso(Instant.now()))));
        droppedHere = 0;
      }
    }

    void keepAlive() {
      if (!closed && pending.isEmpty() && !response.writeQueueFull()) {
        response.write(": keep-alive\n\n");
      }
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (keepAlive >= 0) {
        context.owner().cancelTimer(keepAlive);
      }
      pending.clear();
      Set<Client> group = byContext.get(context);
      if (group != null && group.remove(this)) {
        clientCount.decrementAndGet();
      }
    }
  }
}
