package io.berth.token;

import io.berth.token.FakeTokenEndpoint.Mode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Every fetch's outcome is told once (what metrics count), while the state changes still leave out repeats. */
class TokenOutcomesTest extends TokenTestBase {

  @Test
  void everyFetchEndsInOneOutcomeMessageAndRepeatedFailuresAreNotRepublishedAsChanges() throws Exception {
    List<JsonObject> outcomes = new CopyOnWriteArrayList<>();
    List<JsonObject> changes = new CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>localConsumer(Tokens.outcomesAddress("wx"), m -> outcomes.add(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(Tokens.ADDRESS_PREFIX + "wx", m -> changes.add(m.body()));
    // A long request timeout: every fetch the endpoint answered is one the refresher saw answered, even under load.
    Tokens tokens = startHost(wechat().requestTimeout(Duration.ofSeconds(10)).build());
    String first = join(tokens.current("wx"));
    await().atMost(2, TimeUnit.SECONDS).until(() -> outcomes.contains(
        new JsonObject().put("token", "wx").put("outcome", Tokens.SUCCEEDED)));

    // The upstream fails with the same answer each time: the same last error, retried with backoff.
    endpoint.mode = Mode.HTTP_500;
    assertThatThrownBy(() -> join(tokens.refresh("wx"))).isInstanceOf(TokenException.class);
    await().atMost(5, TimeUnit.SECONDS).until(() -> endpoint.fetches.get() >= 6);
    endpoint.mode = Mode.OK;
    await().atMost(5, TimeUnit.SECONDS).until(() -> tokens.info("wx").state() == TokenState.VALID
        && !join(tokens.current("wx")).equals(first));

    int failed = endpoint.fetches.get() - endpoint.handedOut.get();
    assertThat(failed).isGreaterThanOrEqualTo(5);
    await().atMost(2, TimeUnit.SECONDS).untilAsserted(() -> {
      assertThat(outcomes).filteredOn(o -> Tokens.FAILED.equals(o.getString("outcome"))).hasSize(failed);
      assertThat(outcomes).filteredOn(o -> Tokens.SUCCEEDED.equals(o.getString("outcome")))
          .hasSize(endpoint.handedOut.get());
    });
    assertThat(outcomes).allSatisfy(o -> assertThat(o.fieldNames()).containsExactlyInAnyOrder("token", "outcome"));
    // The state changes: the error once, not once per failure; never the value or the secret.
    assertThat(changes).filteredOn(c -> c.getString("lastError") != null).hasSize(1);
    assertThat(changes).allSatisfy(c -> assertThat(c.encode()).doesNotContain(first).doesNotContain(SECRET));
    assertThat(log.text()).doesNotContain(SECRET);
  }
}
