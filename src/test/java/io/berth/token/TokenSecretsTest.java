package io.berth.token;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.scope.ServiceRegistry;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Secrets written literally in the config (query, headers, json) and the fetched token, echoed back by an upstream
 * in its error bodies, appear in no log line, no admin answer and no token event.
 */
class TokenSecretsTest extends TokenTestBase {

  private static final String APPID = "literal-appid-4711";
  private static final String QUERY_SECRET = "literal-query-secret";
  private static final String HEADER_KEY = "literal-header-key";
  private static final String JSON_SECRET = "literal/json\"secret";

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void literalValuesAndTheTokenAreMaskedEverywhereAnEchoingUpstreamCouldPutThem(@TempDir Path dir) throws Exception {
    AtomicReference<String> issued = new AtomicReference<>();
    AtomicReference<String> mode = new AtomicReference<>("ok");
    Router router = Router.router(vertx);
    router.post("/token").handler(BodyHandler.create()).handler(rc -> {
      // Everything the request carried, and the token handed out last, echoed back as some upstreams do.
      String echo = rc.queryParams() + " " + rc.request().getHeader("X-Api-Key") + " " + rc.body().asString()
          + " last token " + issued.get();
      switch (mode.get()) {
        case "ok" -> {
          issued.set("tok-" + System.nanoTime());
          rc.json(new JsonObject().put("access_token", issued.get()).put("expires_in", 7200));
        }
        case "oauth" -> rc.response().setStatusCode(400).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", "invalid_client").put("error_description", echo).encode());
        default -> rc.response().setStatusCode(500).end("upstream broke: " + echo);
      }
    });
    HttpServer upstream = join(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    JsonObject config = new JsonObject().put("wx", new JsonObject()
        .put("url", "http://127.0.0.1:" + upstream.actualPort() + "/token")
        .put("method", "POST")
        .put("query", new JsonObject().put("appid", APPID).put("secret", QUERY_SECRET))
        .put("headers", new JsonObject().put("X-Api-Key", HEADER_KEY))
        .put("json", new JsonObject().put("nested", new JsonObject().put("credential", JSON_SECRET)))
        .put("retry", new JsonObject().put("initialBackoff", "10s").put("maxBackoff", "10s")));
    Tokens tokens = Tokens.fromConfig(ConfigReader.of(new JsonObject().put("tokens", config), Map.of(), Map.of())
        .section("tokens"), Map.of());
    List<String> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Tokens.ADDRESS_PREFIX + "wx", m -> events.add(m.body().encode()));
    host = Host.builder().vertx(vertx)
        .registry(ServiceRegistry.builder().singletonInstance(Tokens.class, tokens).build())
        .module(tokens)
        .http(new HttpOptions().port(0).token("t").tokenFile(dir.resolve("admin.token")))
        .build();
    join(host.start());
    String token = join(tokens.current("wx"));
    String base = "http://127.0.0.1:" + host.lifetime().httpAddress().orElseThrow().port() + "/api/v1/tokens";

    mode.set("oauth");
    HttpResponse<String> oauth = send(HttpRequest.newBuilder(URI.create(base + "/wx/refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    mode.set("500");
    HttpResponse<String> broke = send(HttpRequest.newBuilder(URI.create(base + "/wx/refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create(base)).GET());

    assertThat(oauth.statusCode()).isEqualTo(502);
    assertThat(oauth.body()).contains("invalid_client").contains(Redactor.MASK);
    assertThat(broke.statusCode()).isEqualTo(502);
    assertThat(broke.body()).contains("HTTP 500").contains("last token " + Redactor.MASK);
    assertThat(list.body()).contains("upstream broke");
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e.contains("upstream broke")));

    String logged = log.text();
    assertThat(logged).contains("Token 'wx' fetch failed");
    for (String text : List.of(oauth.body(), broke.body(), list.body(), String.join("\n", events), logged)) {
      assertThat(text).doesNotContain(APPID).doesNotContain(QUERY_SECRET).doesNotContain(HEADER_KEY)
          .doesNotContain("literal/json").doesNotContain("literal\\/json").doesNotContain(token);
    }
    join(upstream.close());
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
  }
}
