package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON body helper and the error mapping, on a router of their own. */
@ExtendWith(VertxExtension.class)
class JsonBodyTest {

  static final int LIMIT = 1024;

  Api api;
  int port;
  final AtomicInteger echoed = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    Router router = Router.router(vertx);
    new JsonBody(LIMIT).install(router.post("/echo")).handler(rc -> {
      JsonObject body = JsonBody.object(rc);
      echoed.incrementAndGet();
      AdminServer.json(rc, 200, body);
    });
    router.get("/boom").handler(rc -> {
      throw new IllegalStateException("a bug in a handler");
    });
    router.get("/conflict").handler(rc -> rc.fail(new ApiException(409, "already_running", "It runs.")));
    Errors.install(router);
    HttpServer server = vertx.createHttpServer().requestHandler(router).invalidRequestHandler(rc -> { });
    port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).actualPort();
    api = new Api("http://127.0.0.1:" + port, null);
  }

  @Test
  void aJsonObjectIsParsed() {
    Resp r = api.post("/echo", "application/json; charset=utf-8", "{\"type\":\"demo\",\"payload\":{\"ms\":1}}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().getJsonObject("payload").getInteger("ms")).isEqualTo(1);
  }

  @Test
  void aBodyThatIsNotJsonIsRefusedWith415() {
    assertThat(api.post("/echo", "text/plain", "{}").assertError(415, "unsupported_media_type")
        .getString("message")).contains("text/plain");
    api.post("/echo", null, "{}").assertError(415, "unsupported_media_type");
    api.post("/echo", "application/x-www-form-urlencoded", "a=b").assertError(415, "unsupported_media_type");
    assertThat(echoed).hasValue(0);
  }

  @Test
  void malformedJsonIsRefusedWith400() {
    api.post("/echo", "application/json", "{\"type\":").assertError(400, "malformed_json");
    api.post("/echo", "application/json", "").assertError(400, "malformed_json");
    api.post("/echo", "application/json", "[1,2]").assertError(400, "body_not_object");
    assertThat(api.post("/echo", "application/json", "\"text\"").assertError(400, "body_not_object")
        .getString("message")).contains("a string");
    api.post("/echo", "application/json", "[".repeat(1000)).assertError(400, "malformed_json");
    assertThat(echoed).hasValue(0);
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413() {
    api.post("/echo", "application/json", "{\"a\":\"" + "x".repeat(LIMIT) + "\"}").assertError(413, "body_too_large");
    assertThat(echoed).hasValue(0);
  }

  @Test
  void aDeclaredContentLengthOverTheLimitIsRefusedBeforeTheBodyArrives() throws Exception {
    try (RawHttp raw = new RawHttp(port)) {
      String response = raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100000000\r\n\r\n{").readResponse();
      assertThat(RawHttp.status(response)).isEqualTo(413);
      assertThat(new JsonObject(RawHttp.body(response)).getString("error")).isEqualTo("body_too_large");
    }
  }

  @Test
  void aStreamedBodyIsCutOffAsSoonAsItPassesTheLimit() throws Exception {
    try (RawHttp raw = new RawHttp(port)) {
      raw.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "x".repeat(512);
      for (int i = 0; i < 3; i++) {
        raw.write(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      }
      // The body never ends: the answer can only come from counting the bytes as they stream in.
      String response = raw.readResponse();
      assertThat(RawHttp.status(response)).isEqualTo(413);
      assertThat(new JsonObject(RawHttp.body(response)).getString("error")).isEqualTo("body_too_large");
    }
  }

  @Test
  void aThrowingHandlerGives500WithTheErrorBodyAndNoStackTrace() {
    Resp r = api.get("/boom");
    r.assertError(500, "internal_error");
    assertThat(r.body()).doesNotContain("IllegalStateException").doesNotContain("a bug in a handler");
  }

  @Test
  void anApiExceptionGivesItsOwnStatusAndCode() {
    assertThat(api.get("/conflict").assertError(409, "already_running").getString("message")).isEqualTo("It runs.");
  }
}
