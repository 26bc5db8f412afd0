package io.berth.token;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenOptionsTest {

  private static final Map<String, String> ENV = Map.of("WX_APPID", "wx123", "WX_SECRET", "s3cr3t/+=x",
      "CLIENT_SECRET", "cs-987");

  private static TokenOptions read(String name, JsonObject tokens, Map<String, String> env) {
    ConfigReader root = ConfigReader.of(new JsonObject().put("tokens", tokens));
    return TokenOptions.from(name, root.section("tokens").section(name), env);
  }

  @Test
  void resolvesEnvReferencesInTheUrlQueryAndBodiesAndRecordsThemAsSecrets() {
    JsonObject tokens = new JsonObject().put("wechat", new JsonObject()
        .put("url", "https://api.weixin.qq.com/cgi-bin/token?appid=${WX_APPID}&secret=${WX_SECRET}")
        .put("query", new JsonObject().put("grant_type", "client_credential").put("secret", "${WX_SECRET}")));
    TokenOptions o = read("wechat", tokens, ENV);

    assertThat(o.url()).isEqualTo("https://api.weixin.qq.com/cgi-bin/token?appid=wx123&secret=s3cr3t/+=x");
    assertThat(o.query()).containsEntry("secret", "s3cr3t/+=x").containsEntry("grant_type", "client_credential");
    assertThat(o.secrets()).contains("wx123", "s3cr3t/+=x");
    assertThat(o.displayUrl()).isEqualTo("https://api.weixin.qq.com/cgi-bin/token?...").doesNotContain("s3cr3t");
    assertThat(o.method()).isEqualTo(HttpMethod.GET);
    assertThat(o.tokenField()).isEqualTo("access_token");
    assertThat(o.expiresField()).isEqualTo("expires_in");
    assertThat(o.refreshBefore()).isEqualTo(Duration.ofMinutes(5));
    assertThat(o.startTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void readsAnOauth2ClientCredentialsForm() {
    JsonObject tokens = new JsonObject().put("idp", new JsonObject()
        .put("url", "https://idp.example.com/oauth2/token").put("method", "POST")
        .put("form", new JsonObject().put("grant_type", "client_credentials").put("client_id", "berth")
            .put("client_secret", "${CLIENT_SECRET}"))
        .put("refreshBefore", "1m")
        .put("retry", new JsonObject().put("initialBackoff", "10ms").put("maxBackoff", "1s")));
    TokenOptions o = read("idp", tokens, ENV);

    assertThat(o.method()).isEqualTo(HttpMethod.POST);
    assertThat(o.form()).containsEntry("client_secret", "cs-987").containsEntry("client_id", "berth");
    assertThat(o.secrets()).contains("cs-987");
    assertThat(o.initialBackoff()).isEqualTo(Duration.ofMillis(10));
    assertThat(o.maxBackoff()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aSecretNamedLiteralIsASecretToo() {
    JsonObject tokens = new JsonObject().put("idp", new JsonObject().put("url", "https://idp.example.com/t")
        .put("method", "POST").put("json", new JsonObject().put("client_secret", "literal-secret")));
    assertThat(read("idp", tokens, Map.of()).secrets()).contains("literal-secret");
  }

  @Test
  void aMissingEnvironmentVariableIsAConfigErrorNamingTheKeyNotTheValue() {
    JsonObject inUrl = new JsonObject().put("wechat", new JsonObject()
        .put("url", "https://api.weixin.qq.com/cgi-bin/token?secret=${NOT_SET_ANYWHERE}"));
    assertThatThrownBy(() -> read("wechat", inUrl, ENV))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("tokens.wechat.url"))
        .hasMessageContaining("NOT_SET_ANYWHERE");

    JsonObject inQuery = new JsonObject().put("wechat", new JsonObject().put("url", "https://x.example.com/t")
        .put("query", new JsonObject().put("secret", "${NOT_SET_ANYWHERE}")));
    assertThatThrownBy(() -> read("wechat", inQuery, ENV))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("tokens.wechat.query.secret"));

    ConfigReader root = ConfigReader.of(new JsonObject().put("tokens", inQuery));
    assertThatThrownBy(() -> Tokens.fromConfig(root.section("tokens"), Map.of()))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void rejectsInvalidValuesWithTheirKey() {
    assertKey(new JsonObject().put("url", "ftp://x.example.com/t"), "tokens.t.url");
    assertKey(new JsonObject().put("url", "https://x.example.com/t").put("method", "PUT"), "tokens.t.method");
    assertKey(new JsonObject().put("url", "https://x.example.com/t").put("form", new JsonObject().put("a", "b")),
        "tokens.t.form");
    assertKey(new JsonObject().put("url", "https://x.example.com/t").put("method", "POST")
        .put("form", new JsonObject()).put("json", new JsonObject()), "tokens.t.form");
    assertKey(new JsonObject().put("url", "https://x.example.com/t").put("refreshBefore", "soon"),
        "tokens.t.refreshBefore");
    assertKey(new JsonObject().put("url", "https://x.example.com/t")
        .put("retry", new JsonObject().put("initialBackoff", "2s").put("maxBackoff", "1s")), "tokens.t.retry.maxBackoff");
    assertKey(new JsonObject(), "tokens.t.url");
  }

  @Test
  void unknownKeysInATokenSectionAreRejected() {
    ConfigReader root = ConfigReader.of(new JsonObject().put("tokens", new JsonObject().put("t",
        new JsonObject().put("url", "https://x.example.com/t").put("refreshBefor", "1m"))));
    Tokens.fromConfig(root.section("tokens"), Map.of());
    assertThatThrownBy(root::rejectUnknownKeys)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("tokens.t.refreshBefor"));
  }

  @Test
  void refreshesRefreshBeforeAheadOfExpiryButNeverLaterThanEightyPercent() {
    TokenOptions fiveMinutes = TokenOptions.builder("t", "https://x.example.com/t").build();
    // WeChat's 2 hours: 5 minutes ahead would be at 115m, later than 80% (96m).
    assertThat(fiveMinutes.refreshDelay(Duration.ofHours(2))).isEqualTo(Duration.ofMinutes(96));
    // Where 5 minutes ahead comes before 80%, it applies.
    assertThat(fiveMinutes.refreshDelay(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(5));
    assertThat(fiveMinutes.refreshDelay(Duration.ofMinutes(20))).isEqualTo(Duration.ofMinutes(15));
    TokenOptions short1 = TokenOptions.builder("t", "https://x.example.com/t").refreshBefore(Duration.ofMillis(100)).build();
    assertThat(short1.refreshDelay(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(1600));
    // refreshBefore longer than the whole lifetime: refresh at 80% instead of at once, in a loop.
    assertThat(fiveMinutes.refreshDelay(Duration.ofSeconds(2))).isEqualTo(Duration.ofMillis(1600));
  }

  @Test
  void theRedactorMasksSecretsAsGivenAndUrlEncoded() {
    Redactor r = new Redactor(java.util.Set.of("s3cr3t/+=x"));
    assertThat(r.redact("a s3cr3t/+=x b s3cr3t%2F%2B%3Dx c")).isEqualTo("a *** b *** c");
  }

  private static void assertKey(JsonObject section, String key) {
    assertThatThrownBy(() -> read("t", new JsonObject().put("t", section), ENV))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
  }
}
