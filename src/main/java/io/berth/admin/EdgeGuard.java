package io.berth.admin;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what a connection may cost before it is authenticated: at most {@code http.maxConnections} open at once
 * (one more gets 503 {@code too_many_connections} and is closed), and each request must arrive whole, headers and
 * body, within {@code http.requestTimeout} of the connection opening or of the previous response (else 408, or a
 * plain close while the headers are incomplete). {@code http.idleTimeout} (no byte either way) is Vert.x's own; the
 * event stream stays open through its keep-alive comments. Logs nothing above DEBUG: these are the clients' doing.
 */
final class EdgeGuard {

  private static final Logger log = LoggerFactory.getLogger(EdgeGuard.class);

  /** How long a refused connection may take to send the request it is refused to. */
  private static final long REFUSED_GRACE_MS = 1000;

  private final Vertx vertx;
  private final long requestTimeoutMs;
  private final int maxConnections;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<HttpConnection, Conn> connections = new ConcurrentHashMap<>();

  /**
   * One connection's state, touched on the connection's context only. The bound is a deadline; one Vert.x timer
   * at a time checks it and, when the deadline moved on meanwhile, waits for the rest: a kept-alive connection costs
   * about one timer per {@code requestTimeout}, not a timer set and cancelled per request.
   */
  private static final class Conn {
    final boolean refused;
    /** The pending timer's id, or -1; and when it fires (monotonic ms). */
    long timer = -1;
    long timerAt;
    /** When the current wait runs out (monotonic ms), or -1 when nothing is awaited. */
    long deadline = -1;
    HttpServerRequest current;

    Conn(boolean refused) {
      this.refused = refused;
    }
  }

  EdgeGuard(Vertx vertx, HttpOptions options) {
    this.vertx = vertx;
    this.requestTimeoutMs = options.requestTimeout().toMillis();
    this.maxConnections = options.maxConnections();
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** A new connection: counted, and given {@code requestTimeout} for its first request (or 1 s if over the cap). */
  void connected(HttpConnection connection) {
    boolean refused = open.incrementAndGet() > maxConnections;
    Conn conn = new Conn(refused);
    connections.put(connection, conn);
    HttpGuard.install(connection);
    connection.closeHandler(v -> {
      open.decrementAndGet();
      Conn c = connections.remove(connection);
      if (c != null) {
        c.deadline = -1;
        if (c.timer >= 0) {
          vertx.cancelTimer(c.timer);
          c.timer = -1;
        }
      }
    });
    if (refused) {
      log.debug("Connection from {} refused: {} connections are open (http.maxConnections)",
          connection.remoteAddress(), maxConnections);
    }
    arm(connection, conn, refused ? Math.min(REFUSED_GRACE_MS, requestTimeoutMs) : requestTimeoutMs);
  }

  /**
   * A request whose headers arrived. Returns false when it was answered here (its connection is over the cap);
   * otherwise its timer runs until its body has arrived and is armed again for the next request once it is answered.
   */
  boolean admit(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    Conn conn = connections.get(connection);
    if (conn == null) {
      return true;   // an HTTP/2 stream or a connection already closing: nothing to bound here
    }
    if (conn.refused) {
      request.response().putHeader("connection", "close").putHeader("Retry-After", "1");
      Errors.json(request, 503, "too_many_connections", "The server has too many open connections (http.maxConnections);"
          + " retry later.").onComplete(ar -> connection.close());
      return false;
    }
    conn.current = request;
    request.end().onComplete(ar -> {
      if (conn.current == request) {
        disarm(conn);
      }
    });
    // The next request on a kept-alive connection must arrive within the same bound, counted from this answer.
    request.response().bodyEndHandler(v -> {
      conn.current = null;
      arm(connection, conn, requestTimeoutMs);
    });
    return true;
  }

  /**
   * Exempts the connection of {@code request} from the request timeout for good: a long-lived response (the event
   * stream) whose own writes keep it within the idle timeout.
   */
  void exempt(HttpServerRequest request) {
    Conn conn = connections.get(request.connection());
    if (conn != null) {
      conn.current = null;
      disarm(conn);
    }
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }

  /** Bounds the wait from now by {@code delayMs}: a pending timer that fires no later checks the new deadline. */
  private void arm(HttpConnection connection, Conn conn, long delayMs) {
    long now = nowMs();
    conn.deadline = now + delayMs;
    if (conn.timer >= 0) {
      if (conn.timerAt <= conn.deadline) {
        return;
      }
      vertx.cancelTimer(conn.timer);
    }
    schedule(connection, conn, now, delayMs);
  }

  private void schedule(HttpConnection connection, Conn conn, long now, long delayMs) {
    conn.timerAt = now + delayMs;
    conn.timer = vertx.setTimer(Math.max(1, delayMs), id -> fired(connection, conn));
  }

  private void fired(HttpConnection connection, Conn conn) {
    conn.timer = -1;
    if (conn.deadline < 0) {
      return;   // nothing awaited any more; the next arm sets a timer again
    }
    long now = nowMs();
    if (now < conn.deadline) {
      schedule(connection, conn, now, conn.deadline - now);   // the deadline moved on: wait for the rest
      return;
    }
    conn.deadline = -1;
    HttpServerRequest request = conn.current;
    if (request != null && !request.response().headWritten() && !request.response().closed()) {
      log.debug("Request {} {} from {} did not arrive whole within {}ms (http.requestTimeout): answered 408",
          request.method(), Errors.safePath(request), connection.remoteAddress(), requestTimeoutMs);
      request.response().putHeader("connection", "close");
      Errors.json(request, 408, "request_timeout", "The request did not arrive whole within " + requestTimeoutMs
          + "ms (http.requestTimeout).").onComplete(ar -> connection.close());
    } else {
      log.debug("Connection from {} sent no whole request within {}ms (http.requestTimeout): closed",
          connection.remoteAddress(), requestTimeoutMs);
      connection.close();
    }
  }

  /** Nothing is awaited now; a pending timer finds no deadline and ends. */
  private static void disarm(Conn conn) {
    conn.deadline = -1;
  }
}
