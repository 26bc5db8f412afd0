package io.berth.admin;

import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.berth.testing.LogCapture;
import io.berth.work.FullMode;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop while enqueues wait for room: every request that reached the server gets an HTTP answer, 503
 * {@code stopping} with {@code Retry-After} for the waiting ones (the 202 for those admitted), and no stack trace is
 * logged.
 */
@ExtendWith(VertxExtension.class)
class ShutdownAnswersTest {

  static final String TOKEN = "stop-token";

  @Test
  void enqueuesWaitingForRoomAtAStopAllGetAnAnswer(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().shutdownTimeout(Duration.ofSeconds(3)))
        .queue(new QueueOptions("default").capacity(2).concurrency(1).fullMode(FullMode.WAIT)
            .enqueueTimeout(Duration.ofSeconds(30)))
        .handler("block", ctx -> ctx.token().future().toCompletionStage().toCompletableFuture().join())
        .http(new HttpOptions().port(0).token(TOKEN))
        .build();
    AdminApiTest.sync(host.start());
    Api api = Api.of(host, TOKEN);
    int port = host.lifetime().httpAddress().orElseThrow().port();
    for (int i = 0; i < 2; i++) {   // the queue is full from here on
      assertThat(api.post("/api/v1/queues/default/items", "application/json", "{\"type\":\"block\"}").status())
          .isEqualTo(202);
    }
    List<Socket> waiting = new ArrayList<>();
    String body = "{\"type\":\"block\"}";
    try (LogCapture log = LogCapture.start()) {
      for (int i = 0; i < 40; i++) {
        Socket s = new Socket("127.0.0.1", port);
        s.getOutputStream().write(("POST /api/v1/queues/default/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        waiting.add(s);
      }
      assertThat(api.get("/health/ready").status()).isEqualTo(200);   // the server has read what came before
      AdminApiTest.sync(host.stop());
      int stopping = 0;
      for (Socket s : waiting) {
        s.setSoTimeout(5000);
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(answer).as("an HTTP answer, not an empty reply").startsWith("HTTP/1.1 ");
        int status = Integer.parseInt(answer.substring(9, 12));
        assertThat(status).isIn(202, 503);
        if (status == 503) {
          assertThat(answer).contains("\"error\":\"stopping\"").containsIgnoringCase("retry-after:");
          stopping++;
        }
        s.close();
      }
      assertThat(stopping).isPositive();
      assertThat(log.lines()).noneMatch(l -> l.contains(" | ") || l.startsWith("ERROR"));
    }
  }
}
