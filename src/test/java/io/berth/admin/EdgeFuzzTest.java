package io.berth.admin;

import io.berth.host.Host;
import io.berth.testing.LogCapture;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10,000 raw requests of the kinds that once got a 500, an empty 501 or an ERROR line: malformed %-escapes, bad
 * chunking, bad HTTP versions, bodies cut short. Not one answer may be 5xx, every answer has a JSON body, and
 * nothing is logged at WARN or above. The seed is fixed so that a failure reproduces.
 */
@ExtendWith(VertxExtension.class)
class EdgeFuzzTest {

  static final String TOKEN = "fuzz-token";
  static final int REQUESTS = 10_000;

  @Test
  void tenThousandBrokenRequestsGetNo5xxAndLogNoError(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("default").capacity(100_000))
        .handler("log", ctx -> { })
        .http(new HttpOptions().port(0).token(TOKEN).maxBodySize(4096).requestTimeout(Duration.ofMillis(500))
            .idleTimeout(Duration.ofMillis(100)))
        .build();
    AdminApiTest.sync(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    Random random = new Random(2024);
    TreeMap<Integer, Integer> statuses = new TreeMap<>();
    List<String> bad = new ArrayList<>();
    try (LogCapture log = LogCapture.start()) {
      for (int i = 0; i < REQUESTS; i++) {
        String request = request(random);
        String answer = exchange(port, request);
        if (answer.isEmpty()) {
          statuses.merge(0, 1, Integer::sum);   // closed without an answer: allowed only for garbage that is not HTTP
          continue;
        }
        int status = Integer.parseInt(answer.substring(9, 12));
        statuses.merge(status, 1, Integer::sum);
        if (status >= 500 || !answer.contains("{\"error\":") && status >= 400) {
          bad.add(status + " for " + request.substring(0, Math.min(120, request.length())));
        }
      }
      assertThat(bad).as("answers >= 500 or without a JSON error body; statuses %s", statuses).isEmpty();
      assertThat(statuses.getOrDefault(0, 0)).as("requests closed without an answer, of %s", statuses)
          .isLessThan(REQUESTS / 20);
      assertThat(log.lines()).as("log lines at WARN or ERROR")
          .noneMatch(l -> l.startsWith("ERROR") || l.startsWith("WARN"));
      assertThat(Api.of(host, TOKEN).get("/health/ready").status()).isEqualTo(200);
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }

  private static String request(Random random) {
    String auth = random.nextBoolean() ? "Authorization: Bearer " + TOKEN + "\r\n" : "";
    switch (random.nextInt(6)) {
      case 0: { // a malformed %-escape somewhere in the URI
        String[] uris = {"/%ZZ", "/api/v1/services/%", "/api/v1/queues/%G1/items", "/health/live?x=%zz",
            "/api/v1/services?x=%2", "/%", "/api/v1/%E2%82", "/%%%", "/api/v1/queues/default/items/%-1"};
        return pick(random, new String[] {"GET", "POST", "DELETE"}) + " " + pick(random, uris) + " HTTP/1.1\r\nHost: x\r\n"
            + auth + "\r\n";
      }
      case 1: { // bad chunking on the enqueue route
        String[] chunks = {"ZZ\r\nabc\r\n0\r\n\r\n", "-1\r\n\r\n", "fffffffffffffffffff\r\n", "3\r\nabcdef\r\n0\r\n\r\n",
            "2;;;\r\n{}\r\n0\r\n\r\n", "\r\n\r\n", "1\r\n{\r\nQ\r\n\r\n"};
        return "POST /api/v1/queues/default/items HTTP/1.1\r\nHost: x\r\n" + auth
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + pick(random, chunks);
      }
      case 2: { // an HTTP version nobody speaks
        String[] versions = {"HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/1.10", "HTTP/3.0"};
        return "GET /health/live " + pick(random, versions) + "\r\nHost: x\r\n\r\n";
      }
      case 3: { // a body shorter than its Content-Length is cut off by the server's request timeout... or a long one
        String body = "{\"type\":\"log\",\"payload\":{\"k\":\"" + "v".repeat(random.nextInt(6000)) + "\"}}";
        return "POST /api/v1/queues/default/items HTTP/1.1\r\nHost: x\r\n" + auth
            + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
      }
      case 4: { // garbage request lines
        String[] lines = {"\u0000\u0001\u0002", "GET", "GET /", "GET / HTTP/1.1 extra", " / HTTP/1.1", "G\u00e9T / HTTP/1.1",
            "GET /health/live HTTP/1.1\r\nBad Header", "GET /health/live HTTP/1.1\r\n: empty"};
        return pick(random, lines) + "\r\n\r\n";
      }
      default: { // plain requests with odd headers
        return "GET " + pick(random, new String[] {"/api/v1/services", "/health/ready", "/nope", "/api/v1/queues"})
            + " HTTP/1.1\r\nHost: x\r\n" + auth + "X-Junk: " + "j".repeat(random.nextInt(100)) + "\r\nConnection: close\r\n\r\n";
      }
    }
  }

  /** Sends {@code request} on a new connection and reads until the server closes it or answers once. */
  private static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
      } catch (IOException e) {
        // the server refused and closed while we wrote: read what it answered
      }
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
          if (complete(sb)) {
            break;
          }
        }
      } catch (IOException e) {
        // a reset after the answer
      }
      return sb.toString();
    }
  }

  private static boolean complete(StringBuilder sb) {
    int head = sb.indexOf("\r\n\r\n");
    if (head < 0) {
      return false;
    }
    String h = sb.substring(0, head).toLowerCase();
    int at = h.indexOf("content-length:");
    if (at < 0) {
      return false;
    }
    int end = h.indexOf("\r\n", at);
    int length = Integer.parseInt(h.substring(at + 15, end < 0 ? h.length() : end).trim());
    return sb.length() - head - 4 >= length;
  }

  private static <T> T pick(Random random, T[] values) {
    return values[random.nextInt(values.length)];
  }
}
