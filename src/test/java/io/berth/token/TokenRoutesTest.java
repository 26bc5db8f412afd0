package io.berth.token;

import io.berth.admin.HttpOptions;
import io.berth.host.Host;
import io.berth.scope.ServiceRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin routes of the shared tokens: state without values, forced refresh, unknown names. */
class TokenRoutesTest extends TokenTestBase {

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void listsStateWithoutTheValueAndForcesARefresh(@TempDir Path dir) throws Exception {
    Tokens tokens = Tokens.of(wechat().build());
    host = Host.builder().vertx(vertx)
        .registry(ServiceRegistry.builder().singletonInstance(Tokens.class, tokens).build())
        .module(tokens)
        .http(new HttpOptions().port(0).token("t").tokenFile(dir.resolve("admin.token")))
        .build();
    join(host.start());
    String first = join(tokens.current("wx"));
    String base = "http://127.0.0.1:" + host.lifetime().httpAddress().orElseThrow().port() + "/api/v1/tokens";

    HttpResponse<String> list = send(HttpRequest.newBuilder(URI.create(base)).GET());
    assertThat(list.statusCode()).isEqualTo(200);
    JsonArray all = new JsonObject(list.body()).getJsonArray("tokens");
    assertThat(all).hasSize(1);
    JsonObject wx = all.getJsonObject(0);
    assertThat(wx.getString("name")).isEqualTo("wx");
    assertThat(wx.getString("state")).isEqualTo("valid");
    assertThat(wx.getString("expiresAt")).isNotNull();
    assertThat(wx.getString("lastRefreshAt")).isNotNull();
    assertThat(list.body()).doesNotContain(first).doesNotContain(SECRET);

    HttpResponse<String> refreshed = send(HttpRequest.newBuilder(URI.create(base + "/wx/refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(refreshed.body()).getString("state")).isEqualTo("valid");
    assertThat(join(tokens.current("wx"))).isNotEqualTo(first).isEqualTo(endpoint.latest());
    assertThat(refreshed.body()).doesNotContain(endpoint.latest());

    HttpResponse<String> unknown = send(HttpRequest.newBuilder(URI.create(base + "/nope/refresh"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(unknown.body()).getString("error")).isEqualTo("unknown_token");
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.header("Authorization", "Bearer t").build(), HttpResponse.BodyHandlers.ofString());
  }
}
