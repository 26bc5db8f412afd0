package io.berth.admin;

import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code http.requestTimeout} on a kept-alive connection is counted from the previous answer, whatever timer
 * {@link EdgeGuard} happens to have pending: a client that sends its next request within the bound each time is
 * answered long past the first bound, and once it goes quiet it is closed one bound after its last answer.
 */
@ExtendWith(VertxExtension.class)
class EdgeDeadlineTest {

  static final long TIMEOUT_MS = 400;
  Host host;

  @AfterEach
  void stop() throws Exception {
    if (host != null) {
      AdminApiTest.sync(host.stop());
    }
  }

  @Test
  void eachRequestGetsTheWholeBoundFromThePreviousAnswer(Vertx vertx) throws Exception {
    host = Host.builder().vertx(vertx)
        .http(new HttpOptions().port(0).token("t").requestTimeout(Duration.ofMillis(TIMEOUT_MS))).build();
    AdminApiTest.sync(host.start());
    int port = host.lifetime().httpAddress().orElseThrow().port();
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      long lastAnswer = 0;
      for (int i = 0; i < 8; i++) {   // 8 × 150 ms: three times the bound set when the connection opened
        Thread.sleep(150);   // paces the client (a request every 150 ms); not a synchronisation
        s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        assertThat(readAnswer(s.getInputStream())).as("answer %d", i).startsWith("HTTP/1.1 200");
        lastAnswer = System.nanoTime();
      }
      // Quiet now: the server closes the connection one bound after the last answer, not before.
      int read = s.getInputStream().read();
      long quietMs = (System.nanoTime() - lastAnswer) / 1_000_000;
      assertThat(read).as("closed without another answer").isEqualTo(-1);
      assertThat(quietMs).as("ms from the last answer to the close").isBetween(TIMEOUT_MS - 100, TIMEOUT_MS + 2500);
    }
  }

  /** Reads one answer whose body is announced by Content-Length. */
  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after: " + head);
      }
      head.append((char) c);
    }
    String h = head.toString().toLowerCase();
    int at = h.indexOf("content-length:");
    int length = Integer.parseInt(h.substring(at + 15, h.indexOf("\r\n", at)).trim());
    byte[] body = in.readNBytes(length);
    return head + new String(body, StandardCharsets.UTF_8);
  }
}
