package io.berth.admin;

import io.berth.host.Host;
import io.berth.testing.LogCapture;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The connection limits: idle, slowloris and slow-body connections are closed within their timeouts while a probe
 * keeps getting answers, connections beyond {@code http.maxConnections} are refused with a JSON 503, and the event
 * stream outlives the idle timeout through its keep-alives. None of it logs above DEBUG.
 */
@ExtendWith(VertxExtension.class)
class EdgeLimitsTest {

  static final String TOKEN = "edge-token";

  Host host;
  final List<Socket> sockets = new ArrayList<>();

  Api start(Vertx vertx, HttpOptions http) throws Exception {
    host = Host.builder().vertx(vertx).http(http.port(0).token(TOKEN)).build();
    AdminApiTest.sync(host.start());
    return Api.of(host, TOKEN);
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    if (host != null) {
      AdminApiTest.sync(host.stop());
    }
  }

  @Test
  void idleSlowlorisAndSlowBodyConnectionsAreClosedWhileAProbeIsAnswered(Vertx vertx) throws Exception {
    try (LogCapture log = LogCapture.start()) {
      Api api = start(vertx, new HttpOptions().idleTimeout(Duration.ofMillis(600)).requestTimeout(Duration.ofMillis(900)));
      int port = host.lifetime().httpAddress().orElseThrow().port();
      long began = System.nanoTime();
      List<Socket> idle = new ArrayList<>();
      List<Socket> slowloris = new ArrayList<>();
      List<Socket> slowBody = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        idle.add(open(port));
        Socket s = open(port);
        send(s, "GET /health/live HTTP/1.1\r\nHost: x\r\n");
        slowloris.add(s);
        Socket b = open(port);
        send(b, "POST /api/v1/queues/default/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
        slowBody.add(b);
      }
      // Keep the slow ones trickling (a byte every 200ms, well inside the idle timeout) while a probe is answered.
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
        for (Socket s : slowloris) {
          trySend(s, "X-a: b\r\n");
        }
        for (Socket s : slowBody) {
          trySend(s, " ");
        }
        assertThat(api.get("/health/ready").status()).isEqualTo(200);
        return idle.stream().allMatch(EdgeLimitsTest::closedByServer)
            && slowloris.stream().allMatch(EdgeLimitsTest::closedByServer)
            && slowBody.stream().allMatch(EdgeLimitsTest::closedByServer);
      });
      long tookMs = (System.nanoTime() - began) / 1_000_000;
      assertThat(tookMs).as("all closed within their timeouts (plus polling)").isLessThan(3000);
      assertThat(api.get("/health/ready").status()).isEqualTo(200);
      assertThat(log.lines()).noneMatch(l -> l.startsWith("ERROR") || l.startsWith("WARN"));
    }
  }

  @Test
  void aSlowBodyWhoseHeadersArrivedGetsA408(Vertx vertx) throws Exception {
    start(vertx, new HttpOptions().requestTimeout(Duration.ofMillis(300)));
    int port = host.lifetime().httpAddress().orElseThrow().port();
    Socket s = open(port);
    send(s, "POST /api/v1/queues/default/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    String answer = readAll(s);
    assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
  }

  @Test
  void connectionsBeyondMaxConnectionsAreRefusedWithA503(Vertx vertx) throws Exception {
    Api api = start(vertx, new HttpOptions().maxConnections(3));
    int port = host.lifetime().httpAddress().orElseThrow().port();
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Socket s = open(port);   // answered once, so counted, then kept alive
      send(s, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(new RawReader(s).response()).startsWith("HTTP/1.1 200");
      held.add(s);
    }
    Socket extra = open(port);
    send(extra, "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
    String answer = readAll(extra);
    assertThat(answer).startsWith("HTTP/1.1 503").contains("\"error\":\"too_many_connections\"")
        .containsIgnoringCase("retry-after: 1");
    for (Socket s : held) {
      s.close();
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(api.get("/health/ready").status()).isEqualTo(200));
  }

  @Test
  void theEventStreamOutlivesTheIdleTimeoutThroughKeepAlives(Vertx vertx) throws Exception {
    // A keep-alive every 250 ms against a 1 s idle timeout: the stream outlives four idle timeouts.
    start(vertx, new HttpOptions().idleTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofMillis(300)));
    int port = host.lifetime().httpAddress().orElseThrow().port();
    Socket s = open(port);
    send(s, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
    StringBuilder seen = new StringBuilder();
    s.setSoTimeout(5000);   // keep-alives come every 250 ms; this only bounds a stall on a loaded machine
    InputStream in = s.getInputStream();
    byte[] buf = new byte[4096];
    long until = System.nanoTime() + Duration.ofMillis(4000).toNanos();
    while (System.nanoTime() < until) {
      int n = in.read(buf);
      assertThat(n).as("the stream is still open after %s", seen).isPositive();
      seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
    }
    assertThat(seen).contains(": keep-alive");
  }

  /** Reads one Content-Length response off a kept-alive socket. */
  private record RawReader(Socket socket) {
    String response() throws IOException {
      socket.setSoTimeout(5000);
      InputStream in = socket.getInputStream();
      StringBuilder sb = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          return sb.toString();
        }
        sb.append((char) c);
        int head = sb.indexOf("\r\n\r\n");
        if (head >= 0) {
          String h = sb.substring(0, head).toLowerCase();
          int at = h.indexOf("content-length:");
          int length = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at) < 0 ? h.length() : h.indexOf("\r\n", at)).trim());
          if (sb.length() - head - 4 >= length) {
            return sb.toString();
          }
        }
      }
    }
  }

  private Socket open(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    sockets.add(s);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
  }

  private static void trySend(Socket s, String text) {
    try {
      send(s, text);
    } catch (IOException e) {
      // closed by the server: what the test waits for
    }
  }

  /** True once the server closed {@code s} (a read sees the end of the stream, or a reset). */
  private static boolean closedByServer(Socket s) {
    try {
      s.setSoTimeout(1);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        // an answer (408) before the close: keep reading
      }
      return n < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static String readAll(Socket s) throws IOException {
    s.setSoTimeout(5000);
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }
}
