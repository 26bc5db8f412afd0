package io.berth.token;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.berth.token.TokenTestBase.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A non-holder node's view of a cluster token, against a stand-in holder on the event bus that answers as the
 * refresher does (the three-node test, {@code ClusterTokenTest}, runs the real one): what it keeps, when it asks
 * again, and what it serves while no holder answers.
 */
@ExtendWith(VertxExtension.class)
class TokenClientTest {

  private Vertx vertx;
  private TokenClient client;
  private final List<JsonObject> asked = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    client = client(Duration.ofSeconds(5));
  }

  /** A client that asks for up to {@code requestTimeout} + 1 s. */
  private TokenClient client(Duration requestTimeout) {
    return new TokenClient(vertx, TokenOptions.builder("wx", "http://127.0.0.1:1/token")
        .startTimeout(Duration.ofMillis(100)).requestTimeout(requestTimeout).build());
  }

  /** A holder answering {@code op} with {@code value}, due for refresh in {@code staleInMs}, expiring in 60 s. */
  private MessageConsumer<JsonObject> holder(String op, String value, long staleInMs) throws Exception {
    MessageConsumer<JsonObject> c = vertx.eventBus().consumer(TokenClient.address("wx", op), m -> {
      asked.add(new JsonObject().put("op", op).put("body", m.body()));
      long now = System.currentTimeMillis();
      m.reply(new JsonObject().put("value", value).put("version", "v-" + value).put("expiresAt", now + 60_000)
          .put("staleAt", now + staleInMs).put("refreshedAt", now));
    });
    join(c.completion());
    return c;
  }

  @Test
  void keepsTheAnswerUntilTheHoldersPlannedRefreshThenAsksAgain() throws Exception {
    MessageConsumer<JsonObject> h = holder(TokenClient.CURRENT, "tok-a", 300);
    assertThat(join(client.current())).isEqualTo("tok-a");
    assertThat(join(client.current())).isEqualTo("tok-a");
    assertThat(asked).as("the second current() is served from the copy").hasSize(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> client.fresh() == null);
    join(h.unregister());
    holder(TokenClient.CURRENT, "tok-b", 60_000);
    assertThat(join(client.current())).isEqualTo("tok-b");
    assertThat(asked).hasSize(2);
  }

  @Test
  void servesItsUnexpiredCopyWhileNoHolderAnswers() throws Exception {
    MessageConsumer<JsonObject> h = holder(TokenClient.CURRENT, "tok-a", 50);
    assertThat(join(client.current())).isEqualTo("tok-a");
    await().atMost(Duration.ofSeconds(5)).until(() -> client.fresh() == null);
    join(h.unregister());
    // No node answers (a failover under way): the copy is due for renewal but unexpired, so it is served within
    // about a second, not after the whole ask (6 s here).
    long t0 = System.nanoTime();
    assertThat(join(client.current())).isEqualTo("tok-a");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isLessThan(Duration.ofMillis(TokenClient.STALE_ASK_MS + 1_500));
    // A holder that is registered but never answers (it died with its subscription still listed): the same.
    vertx.eventBus().consumer(TokenClient.address("wx", TokenClient.CURRENT), m -> { });
    t0 = System.nanoTime();
    assertThat(join(client.current())).isEqualTo("tok-a");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isLessThan(Duration.ofMillis(TokenClient.STALE_ASK_MS + 1_500));
    assertThat(client.info().state()).isEqualTo(TokenState.VALID);
  }

  @Test
  void withNoCopyAndNoHolderItFailsAsUnavailable() {
    client = client(Duration.ofMillis(200));
    assertThatThrownBy(() -> join(client.current())).isInstanceOfSatisfying(TokenException.class,
        e -> assertThat(e.code()).isEqualTo(TokenException.UNAVAILABLE));
    assertThat(client.info().state()).isEqualTo(TokenState.UNAVAILABLE);
  }

  @Test
  void concurrentInvalidationsOfOneTokenAreOneRequestNamingItsVersionNeverItsValue() throws Exception {
    holder(TokenClient.CURRENT, "tok-a", 60_000);
    assertThat(join(client.current())).isEqualTo("tok-a");
    holder(TokenClient.INVALIDATE, "tok-b", 60_000);
    var first = client.invalidate("tok-a");
    var second = client.invalidate("tok-a");
    assertThat(join(first)).isEqualTo("tok-b");
    assertThat(join(second)).isEqualTo("tok-b");
    List<JsonObject> invalidations = asked.stream().filter(j -> j.getString("op").equals(TokenClient.INVALIDATE))
        .toList();
    assertThat(invalidations).hasSize(1);
    assertThat(invalidations.get(0).getJsonObject("body").encode()).isEqualTo("{\"version\":\"v-tok-a\"}");
    // The replaced token reported again: the current copy, no request.
    assertThat(join(client.invalidate("tok-a"))).isEqualTo("tok-b");
    assertThat(asked).hasSize(2);
  }

  @Test
  void theHoldersRefusalKeepsItsCode() {
    vertx.eventBus().<JsonObject>consumer(TokenClient.address("wx", TokenClient.REFRESH),
        m -> m.fail(TokenClient.failureCode(TokenException.REFRESH_FAILED), "Token 'wx' could not be refreshed: x"));
    assertThatThrownBy(() -> join(client.refresh())).isInstanceOfSatisfying(TokenException.class,
        e -> assertThat(e.code()).isEqualTo(TokenException.REFRESH_FAILED));
  }
}
