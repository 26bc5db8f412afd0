package io.berth.admin;

import io.berth.work.WorkQueues;
import io.berth.service.ApplicationLifetime;
import io.berth.core.HostCore;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * {@code GET /api/v1/events}: server-sent events relaying the event bus addresses {@link #ADDRESSES} (lifetime,
 * service and item changes). Each SSE event is named after its source ({@code lifetime}, {@code service},
 * {@code item}) and carries the bus message's JSON as data.
 *
 * <p>A slow reader cannot grow memory without bound: while the connection's write queue is full, events wait in a
 * per-client buffer of {@code http.eventBuffer} events; beyond that they are dropped and counted, and the client
 * gets one {@code dropped} event with the count once it catches up.
 */
final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  /** Event bus address → SSE event name. */
  static final Map<String, String> ADDRESSES = Map.of(
      ApplicationLifetime.ADDRESS, "lifetime",
      HostCore.SERVICES_ADDRESS, "service",
      WorkQueues.ITEMS_ADDRESS, "item");

  private final Vertx vertx;
  private final int bufferSize;
  private final Supplier<JsonObject> snapshot;
  private final Supplier<AutoCloseable> watchItems;
  private final Set<Client> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param snapshot the current lifetime state, sent first as a {@code lifetime} event so a client that connects
   *                 after {@code started} still learns where the host is
   */
  EventStream(Vertx vertx, int bufferSize, Supplier<JsonObject> snapshot, Supplier<AutoCloseable> watchItems) {
    this.vertx = vertx;
    this.watchItems = watchItems;
    this.bufferSize = bufferSize;
    this.snapshot = snapshot;
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
    Client client = new Client(response);
    response.closeHandler(v -> client.close());
    response.exceptionHandler(e -> client.close());
    response.drainHandler(v -> client.drain());
    response.write(": connected\n\n");
    client.send("lifetime", snapshot.get());
    for (Map.Entry<String, String> e : ADDRESSES.entrySet()) {
      MessageConsumer<Object> consumer = vertx.eventBus().consumer(e.getKey(), msg -> {
        if (msg.body() instanceof JsonObject json) {
          client.send(e.getValue(), json);
        }
      });
      client.consumers.add(consumer);
    }
    client.itemWatch = watchItems.get();
    clients.add(client);
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

  /** One connected client; touched only on the server's event loop. */
  private final class Client {
    final HttpServerResponse response;
    final List<MessageConsumer<Object>> consumers = new ArrayList<>();
    final ArrayDeque<String> pending = new ArrayDeque<>();
    AutoCloseable itemWatch;
    long droppedHere;
    boolean closed;

    Client(HttpServerResponse response) {
      this.response = response;
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

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      pending.clear();
      clients.remove(this);
      consumers.forEach(MessageConsumer::unregister);
      if (itemWatch != null) {
        try {
          itemWatch.close();
        } catch (Exception e) {
          log.debug("closing the item watch failed", e);
        }
      }
    }
  }
}
