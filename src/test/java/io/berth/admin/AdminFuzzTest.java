package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of malformed requests: none may get a 5xx, and the server still serves afterwards. The seed is fixed
 * so a failure reproduces; the request that failed is in the assertion message.
 */
@ExtendWith(VertxExtension.class)
class AdminFuzzTest {

  static final String TOKEN = "fuzz-token";
  static final int MAX_BODY = 16 * 1024;

  static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "BREW"};
  static final String[] PATHS = {
      "/", "/health/live", "/health/ready", "/health", "/api", "/api/v1", "/api/v1/", "/api/v1/services",
      "/api/v1/services/", "/api/v1/services/http/trigger", "/api/v1/services/%00/trigger",
      "/api/v1/services/%2e%2e/trigger", "/api/v1/services/a%2Fb/trigger", "/api/v1/queues",
      "/api/v1/queues/default/items", "/api/v1/queues/default/items/1", "/api/v1/openapi.json",
      "/api/v1//services", "/api/v1/services?x=%25zz&x=%00", "/api/v1/services;jsessionid=1", "/echo", "/echo?a=b",
      "/%E2%82%AC", "/api/v1/services/" + "n".repeat(3000) + "/trigger"};
  static final String[] TYPES = {null, "application/json", "application/json; charset=utf-8", "text/plain",
      "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "*/*", "application/",
      "application/json; charset=nope", ";;;", "APPLICATION/JSON"};

  @Test
  void malformedRequestsNeverGetA5xxAndTheHostKeepsServing(Vertx vertx) throws Exception {
    Host host = Host.builder().vertx(vertx)
        .queue(new io.berth.work.QueueOptions("default").capacity(10_000))
        .handler("log", ctx -> { })
        .http(new HttpOptions().port(0).token(TOKEN).maxBodySize(MAX_BODY))
        .build();
    AdminApiTest.sync(host.start());
    try {
      Api api = Api.of(host, TOKEN);
      fuzz(api, new Random(42), 2000);
      rawGarbage(host.lifetime().httpAddress().orElseThrow().port(), new Random(7), 60);
      assertThat(api.get("/health/ready").status()).isEqualTo(200);
      assertThat(api.get("/api/v1/services").status()).isEqualTo(200);
      Resp valid = api.post("/api/v1/queues/default/items", "application/json", "{\"type\":\"log\"}");
      assertThat(valid.status()).isEqualTo(202);
      String item = "/api/v1/queues/default/items/" + valid.json().getString("id");
      org.awaitility.Awaitility.await().until(() -> "succeeded".equals(api.get(item).json().getString("status")));
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }

  @Test
  void malformedBodiesOnAJsonRouteNeverGetA5xx(Vertx vertx) throws Exception {
    Router router = Router.router(vertx);
    new JsonBody(MAX_BODY).install(router.route("/echo")).handler(rc ->
        AdminServer.json(rc, 200, JsonBody.object(rc)));
    Errors.install(router);
    HttpServer server = vertx.createHttpServer().requestHandler(router);
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).actualPort();
    Api api = new Api("http://127.0.0.1:" + port, null);
    Random random = new Random(1234);
    int ok = 0;
    for (int i = 0; i < 1500; i++) {
      String type = random.nextInt(4) == 0 ? pick(random, TYPES) : "application/json";
      byte[] body = body(random);
      Resp r = send(api, "POST", "/echo", type, body, true);
      if (r.status() == 200) {
        ok++;
      }
    }
    assertThat(ok).as("some bodies were valid JSON objects").isPositive();
    assertThat(api.get("/nope").status()).isEqualTo(404);
  }

  private static void fuzz(Api api, Random random, int count) {
    for (int i = 0; i < count; i++) {
      String method = pick(random, METHODS);
      String path = random.nextInt(5) == 0 ? randomPath(random) : pick(random, PATHS);
      boolean auth = random.nextInt(4) != 0;
      // Two requests would end the test itself: a real shutdown, and the endless event stream.
      if (auth && (path.startsWith("/api/v1/shutdown") || path.startsWith("/api/v1/events"))) {
        continue;
      }
      send(api, method, path, pick(random, TYPES), random.nextBoolean() ? body(random) : null, auth);
    }
  }

  private static Resp send(Api api, String method, String path, String type, byte[] body, boolean auth) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.base() + path)).timeout(Duration.ofSeconds(10));
    if (auth) {
      b.header("Authorization", "Bearer " + TOKEN);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    boolean noBody = body == null || method.equals("HEAD") || method.equals("TRACE");
    b.method(method, noBody ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    String what = method + " " + (path.length() > 100 ? path.substring(0, 100) + "..." : path) + " type=" + type
        + " body=" + (body == null ? "none" : new String(body, 0, Math.min(body.length, 80), StandardCharsets.ISO_8859_1));
    Resp r = api.send(b);
    assertThat(r.status()).as("status of %s: %s", what, r.body()).isBetween(200, 499);
    if (r.status() >= 400 && !method.equals("HEAD")) {
      assertThat(r.body()).as("error body of %s", what).startsWith("{\"error\":");
    }
    return r;
  }

  private static byte[] body(Random random) {
    switch (random.nextInt(10)) {
      case 0: {
        byte[] b = new byte[random.nextInt(2000)];
        random.nextBytes(b);
        return b;
      }
      case 1:
        return "[".repeat(5000 + random.nextInt(5000)).getBytes(StandardCharsets.UTF_8);
      case 2:
        return ("{\"a\":".repeat(3000) + "1" + "}".repeat(3000)).getBytes(StandardCharsets.UTF_8);
      case 3:
        return ("{\"type\":\"" + "x".repeat(MAX_BODY + random.nextInt(1000)) + "\"}").getBytes(StandardCharsets.UTF_8);
      case 4:
        return pick(random, new String[] {"null", "1", "true", "\"s\"", "[]", "[{}]", "{}", "{\"type\":1}",
            "{\"type\":\"\",\"payload\":[]}", "{\"type\":null}", "{\"payload\":\"x\"}", "{\"type\":\"demo\",\"payload\":{}}",
            "{,}", "{\"a\":1,}", "{\"a\" 1}", "\u0000", "{\"a\":\"\\ud800\"}", "{\"a\":1e999999}", "{\"a\":-0}"})
            .getBytes(StandardCharsets.UTF_8);
      case 5:
        return new byte[0];
      case 6:
        return ("{\"type\":\"demo\",\"payload\":{\"k\":\"" + "\u00e9".repeat(random.nextInt(100)) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
      case 7:
        return new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'};
      case 8:
        return "{\"type\":\"demo\",\"payload\":{\"ms\":100}}".getBytes(StandardCharsets.UTF_8);
      default:
        return ("{\"" + "k".repeat(random.nextInt(100)) + "\":" + random.nextLong() + "}").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static String randomPath(Random random) {
    StringBuilder sb = new StringBuilder("/");
    int n = random.nextInt(60);
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(256);
      if (Character.isLetterOrDigit(c) && c < 128 || c == '/' || c == '-' || c == '.') {
        sb.append((char) c);
      } else {
        sb.append('%').append(String.format("%02X", c));
      }
    }
    return sb.toString();
  }

  /** Bytes that are barely HTTP: garbled request lines, bad versions, huge headers. No answer may be a 5xx. */
  private static void rawGarbage(int port, Random random, int count) throws IOException {
    List<String> starts = List.of("GET / HTTP/1.1\r\n", "GET /api/v1/services HTTP/9.9\r\n", "\u0000\u0001\u0002\r\n",
        "GET " + "/x".repeat(5000) + " HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\nContent-Length: -5\r\n",
        "POST /api/v1/services HTTP/1.1\r\nTransfer-Encoding: chunked\r\n", "GET / HTTP/1.1\r\nX: " + "y".repeat(20000) + "\r\n",
        "PRI * HTTP/2.0\r\n", "GET /api/v1/services?x=%zz HTTP/1.1\r\nAuthorization: Bearer fuzz-token\r\n", "GET /%zz HTTP/1.1\r\n", "GET /health/live HTTP/1.0\r\n");
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      try (RawHttp raw = new RawHttp(port)) {
        String start = starts.get(random.nextInt(starts.size()));
        byte[] junk = new byte[random.nextInt(200)];
        random.nextBytes(junk);
        boolean withJunk = random.nextBoolean();
        try {
          raw.write(start);
          if (withJunk) {
            raw.write(junk);
          }
          raw.write("\r\n\r\n");
        } catch (IOException e) {
          // the server answered and closed while we still wrote: read what it said
        }
        String response;
        try {
          response = raw.readResponseOrNull(200);
        } catch (IOException e) {
          continue; // the server may close a connection it cannot parse; that is fine
        }
        if (response != null && response.startsWith("HTTP/1.")) {
          int status = RawHttp.status(response);
          statuses.add(status);
          assertThat(status).as("status for %s...", start.substring(0, Math.min(40, start.length()))).isLessThan(500);
        }
      }
    }
    assertThat(statuses).isNotEmpty();
  }

  private static <T> T pick(Random random, T[] values) {
    return values[random.nextInt(values.length)];
  }
}
