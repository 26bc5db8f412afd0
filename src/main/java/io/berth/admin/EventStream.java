package io.berth.admin;

import io.berth.core.HostEvent;
import io.berth.core.HostEvents;
import io.berth.core.HostListener;
import io.berth.core.LifetimeEvent;
import io.berth.core.ServiceEvent;
import io.berth.work.ItemEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/events}: server-sent events relaying the host's events of the topics {@link #TOPICS}
 * (lifetime, service and item changes). Each SSE event is named after its topic and carries the event's JSON as
 * data. Each client is a {@link HostListener} only while it is connected, so with no client the queues build no
 * item events at all.
 *
 * <p>A slow reader cannot grow memory without bound: while the connection's write queue is full, events wait in a
 * per-client buffer of {@code http.eventBuffer} events; beyond that they are dropped and counted, and the client
 * gets one {@code dropped} event with the count once it catches up.
 */
final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  /** The topics relayed, which are also the SSE event names. */
  static final Set<String> TOPICS = Set.of(LifetimeEvent.TOPIC, ServiceEvent.TOPIC, ItemEvent.TOPIC);

  private final HostEvents events;
  private final int bufferSize;
  private final Supplier<JsonObject> snapshot;
  private final long keepAliveMs;
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param snapshot the current lifetime state, sent first as a {@code lifetime} event so a client that connects
   *                 after {@code started} still learns where the host is
   * @param keepAliveMs how often a quiet stream gets a {@code : keep-alive} comment, which keeps it within the
   *                    server's idle timeout
   */
  EventStream(HostEvents events, int bufferSize, Supplier<JsonObject> snapshot, long keepAliveMs) {
    this.events = events;
    this.bufferSize = bufferSize;
    this.snapshot = snapshot;
    this.keepAliveMs = keepAliveMs;
  }

  /** Events dropped for slow clients since the server started. */
  long dropped() {
    return dropped.get();
  }

  int clients() {
    return clients.size();
  }

  void handle(RoutingContext rc) {
    HttpServerResponse response = rc.response();
    response.setChunked(true)
        .putHeader("content-type", "text/event-stream; charset=utf-8")
        .putHeader("cache-control", "no-store")
        .putHeader("x-accel-buffering", "no");
    Client client = new Client(response, Vertx.currentContext());
    response.closeHandler(v -> client.close());
    response.exceptionHandler(e -> client.close());
    response.drainHandler(v -> client.drain());
    response.write(": connected\n\n");
    client.send("lifetime", snapshot.get());
    client.listening = events.listen(client);
    clients.add(client);
    client.keepAlive = client.context.owner().setPeriodic(keepAliveMs, id -> client.keepAlive());
    if (response.closed()) {
      client.close();   // it hung up before the close handler was set: nothing else would release it
    }
  }

  /** Ends every stream, so that the server can close without waiting for clients that never hang up. */
  void closeAll() {
    for (Client c : new ArrayList<>(clients)) {
      c.close();
      if (!c.response.ended()) {
        c.response.end();
      }
    }
  }

  /**
   * One connected client. Its state is touched only on the request's event loop: events, which happen on any
   * thread, are turned into JSON where they happen and handed over to it.
   */
  private final class Client implements HostListener {
    final HttpServerResponse response;
    final Context context;
    final ArrayDeque<String> pending = new ArrayDeque<>();
    AutoCloseable listening;
    long keepAlive = -1;
    long droppedHere;
    volatile boolean closed;

    Client(HttpServerResponse response, Context context) {
      this.response = response;
      this.context = context;
    }

    @Override
    public boolean wants(String topic) {
      return !closed && TOPICS.contains(topic);
    }

    @Override
    public void onEvent(HostEvent event) {
      JsonObject json = event.toJson();
      if (Vertx.currentContext() == context) {
        send(event.topic(), json);
      } else {
        context.runOnContext(v -> send(event.topic(), json));
      }
    }

    void send(String event, JsonObject data) {
      if (closed) {
        return;
      }
      String frame = "event: " + event + "\ndata: " + data.encode() + "\n\n";
      if (pending.isEmpty() && !response.writeQueueFull()) {
        response.write(frame);
      } else if (pending.size() < bufferSize) {
        pending.add(frame);
      } else {
        droppedHere++;
        if (dropped.incrementAndGet() % 1000 == 1) {
          log.warn("An events client reads too slowly; {} event(s) dropped for it so far", droppedHere);
        }
      }
    }

    void drain() {
      while (!pending.isEmpty() && !response.writeQueueFull()) {
        response.write(pending.poll());
      }
      if (pending.isEmpty() && droppedHere > 0 && !response.writeQueueFull()) {
        response.write("event: dropped\ndata: " + new JsonObject().put("dropped", droppedHere)
            .put("at", Instant.now().toString()).encode() + "\n\n");
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
      clients.remove(this);
      if (listening != null) {
        try {
          listening.close();
        } catch (Exception e) {
          log.debug("closing the events listener failed", e);
        }
      }
    }
  }
}
