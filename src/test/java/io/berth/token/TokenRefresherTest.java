package io.berth.token;

import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TokenRefresherTest extends TokenTestBase {

  @Test
  void theHostStartsOnceTheFirstTokenIsThereAndServesItWithoutFetchingAgain() throws Exception {
    Tokens tokens = Tokens.of(wechat().build());
    host = Host.builder().vertx(vertx).module(tokens).build();
    // A consumer asking before the host even started waits for the first token.
    Future<String> early = tokens.current("wx");
    join(host.start());

    assertThat(endpoint.fetches.get()).isEqualTo(1);
    assertThat(join(early)).isEqualTo(endpoint.latest());
    for (int i = 0; i < 100; i++) {
      assertThat(join(tokens.current("wx"))).isEqualTo(endpoint.latest());
    }
    assertThat(endpoint.fetches.get()).isEqualTo(1);
    JsonObject seen = endpoint.requests.get(0);
    assertThat(seen.getString("method")).isEqualTo("GET");
    assertThat(seen.getString("query.secret")).isEqualTo(SECRET);
    assertThat(seen.getString("query.appid")).isEqualTo("wx-app");

    TokenInfo info = tokens.list().get(0);
    assertThat(info.name()).isEqualTo("wx");
    assertThat(info.state()).isEqualTo(TokenState.VALID);
    assertThat(info.lastError()).isNull();
    assertThat(info.expiresAt()).isAfter(Instant.now().plusSeconds(7000));
    assertThat(info.toJson().encode()).doesNotContain(endpoint.latest()).contains("\"state\":\"valid\"");
    assertThat(host.services()).extracting(s -> s.name()).contains("token:wx");
    assertThat(log.text()).doesNotContain(SECRET);
  }

  @Test
  void aTokenFromConfigResolvesItsSecretFromTheEnvironmentInTheUrlAndNeverLogsIt() throws Exception {
    ConfigReader config = ConfigReader.of(new JsonObject().put("tokens", new JsonObject().put("wechat", new JsonObject()
        .put("url", endpoint.url() + "?grant_type=client_credential&appid=${WX_APPID}&secret=${WX_SECRET}")
        .put("startTimeout", "5s"))));
    Tokens tokens = Tokens.fromConfig(config.section("tokens"), Map.of("WX_APPID", "wx-app", "WX_SECRET", SECRET));
    config.rejectUnknownKeys();
    host = Host.builder().vertx(vertx).module(tokens).build();
    join(host.start());

    assertThat(join(tokens.current("wechat"))).isEqualTo(endpoint.latest());
    assertThat(endpoint.requests.get(0).getString("query.secret")).isEqualTo(SECRET);
    assertThat(log.text()).contains("Token 'wechat'").doesNotContain(SECRET);
  }

  @Test
  void postsAnOauth2ClientCredentialsForm() throws Exception {
    Tokens tokens = startHost(TokenOptions.builder("idp", endpoint.url()).method(HttpMethod.POST)
        .form("grant_type", "client_credentials").form("client_id", "berth").form("client_secret", SECRET)
        .secret(SECRET).build());

    assertThat(join(tokens.current("idp"))).isEqualTo(endpoint.latest());
    JsonObject seen = endpoint.requests.get(0);
    assertThat(seen.getString("method")).isEqualTo("POST");
    assertThat(seen.getString("form.grant_type")).isEqualTo("client_credentials");
    assertThat(seen.getString("form.client_secret")).isEqualTo(SECRET);
  }

  @Test
  void postsAJsonBody() throws Exception {
    Tokens tokens = startHost(TokenOptions.builder("j", endpoint.url()).method(HttpMethod.POST)
        .json(new JsonObject().put("appid", "a").put("secret", SECRET)).build());

    assertThat(join(tokens.current("j"))).isEqualTo(endpoint.latest());
    assertThat(endpoint.requests.get(0).getJsonObject("json").getString("secret")).isEqualTo(SECRET);
  }

  @Test
  void refreshesRefreshBeforeAheadOfExpiry() throws Exception {
    endpoint.expiresIn = 2;
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(Tokens.ADDRESS_PREFIX + "wx", m -> events.add(m.body()));
    Tokens tokens = startHost(wechat().refreshBefore(Duration.ofMillis(700)).build());
    String first = join(tokens.current("wx"));

    await().atMost(5, TimeUnit.SECONDS).until(() -> endpoint.fetches.get() >= 2);
    long gapMs = (endpoint.fetchNanos.get(1) - endpoint.fetchNanos.get(0)) / 1_000_000;
    // Due at 2000 - 700 = 1300ms; timers never fire early, and a loaded machine may add a little.
    assertThat(gapMs).isBetween(1300L, 1600L);
    await().atMost(2, TimeUnit.SECONDS).until(() -> !join(tokens.current("wx")).equals(first));
    assertThat(join(tokens.current("wx"))).isEqualTo(endpoint.latest());

    // Changes went out on the event bus, with metadata only.
    await().atMost(2, TimeUnit.SECONDS).until(() -> events.stream().anyMatch(e -> "valid".equals(e.getString("state"))));
    assertThat(events).allSatisfy(e -> {
      assertThat(e.getString("token")).isEqualTo("wx");
      assertThat(e.encode()).doesNotContain(first).doesNotContain(SECRET);
    });
  }

  @Test
  void refreshesAtEightyPercentOfTheLifetimeWhenRefreshBeforeIsShorter() throws Exception {
    endpoint.expiresIn = 2;
    startHost(wechat().refreshBefore(Duration.ofMillis(100)).build());

    await().atMost(5, TimeUnit.SECONDS).until(() -> endpoint.fetches.get() >= 2);
    long gapMs = (endpoint.fetchNanos.get(1) - endpoint.fetchNanos.get(0)) / 1_000_000;
    assertThat(gapMs).isBetween(1600L, 1900L);
  }

  @Test
  void aForcedRefreshFetchesOnceAndReportsTheNewState() throws Exception {
    Tokens tokens = startHost(wechat().build());
    String before = join(tokens.current("wx"));
    Instant firstRefresh = tokens.info("wx").lastRefreshAt();

    TokenInfo info = join(tokens.refresh("wx"));

    assertThat(endpoint.fetches.get()).isEqualTo(2);
    assertThat(info.state()).isEqualTo(TokenState.VALID);
    assertThat(info.lastRefreshAt()).isAfter(firstRefresh);
    assertThat(join(tokens.current("wx"))).isNotEqualTo(before).isEqualTo(endpoint.latest());
  }

  @Test
  void anUnknownTokenFailsWithItsOwnCode() throws Exception {
    Tokens tokens = startHost(wechat().build());
    for (Future<?> f : List.of(tokens.current("nope"), tokens.invalidate("nope", "x"), tokens.refresh("nope"))) {
      assertThatThrownBy(() -> join(f))
          .isInstanceOfSatisfying(TokenException.class, e -> {
            assertThat(e.code()).isEqualTo(TokenException.UNKNOWN_TOKEN);
            assertThat(e.token()).isEqualTo("nope");
          })
          .hasMessageContaining("'nope'").hasMessageContaining("wx");
    }
    assertThat(tokens.info("nope")).isNull();
  }

  @Test
  void whenNoTokenArrivesWithinTheStartTimeoutTheHostStartsAndTheTokenIsUnavailable() throws Exception {
    endpoint.mode = FakeTokenEndpoint.Mode.HTTP_500;
    long t0 = System.nanoTime();
    Tokens tokens = startHost(wechat().startTimeout(Duration.ofMillis(300)).build());

    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(300);
    TokenInfo info = tokens.info("wx");
    assertThat(info.state()).isEqualTo(TokenState.UNAVAILABLE);
    assertThat(info.lastError()).contains("HTTP 500").doesNotContain(SECRET).contains("***");
    assertThat(endpoint.fetches.get()).isGreaterThan(1);  // retried within the window, with backoff
    assertThatThrownBy(() -> join(tokens.current("wx")))
        .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.code()).isEqualTo(TokenException.UNAVAILABLE))
        .hasMessageContaining("HTTP 500");

    endpoint.mode = FakeTokenEndpoint.Mode.OK;
    await().atMost(5, TimeUnit.SECONDS).until(() -> tokens.info("wx").state() == TokenState.VALID);
    assertThat(join(tokens.current("wx"))).isEqualTo(endpoint.latest());
    assertThat(tokens.info("wx").lastError()).isNull();
    assertThat(log.text()).doesNotContain(SECRET);
  }
}
