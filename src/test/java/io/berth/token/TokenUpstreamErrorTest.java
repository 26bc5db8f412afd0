package io.berth.token;

import io.berth.token.FakeTokenEndpoint.Mode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class TokenUpstreamErrorTest extends TokenTestBase {

  @ParameterizedTest
  @EnumSource(value = Mode.class, names = {"HTTP_500", "ERRCODE", "MISSING_FIELD", "HANG"})
  void aFailingUpstreamIsRetriedWithBackoffWhileTheOldTokenIsServedUntilItExpires(Mode mode) throws Exception {
    endpoint.expiresIn = 2;
    Tokens tokens = startHost(wechat().refreshBefore(Duration.ofSeconds(1)).requestTimeout(Duration.ofMillis(150))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).build());
    String first = join(tokens.current("wx"));
    Instant expiresAt = tokens.info("wx").expiresAt();
    endpoint.mode = mode;

    // The refresh at 1s fails and is retried.
    await().atMost(3, TimeUnit.SECONDS).until(() -> tokens.info("wx").consecutiveFailures() >= 3);
    TokenInfo failing = tokens.info("wx");
    assertThat(failing.state()).isEqualTo(TokenState.REFRESHING);
    assertThat(failing.lastError()).contains(expected(mode)).doesNotContain(SECRET);
    assertThat(failing.toJson().getString("lastError")).isEqualTo(failing.lastError());
    assertThat(Instant.now()).isBefore(expiresAt);
    assertThat(join(tokens.current("wx"))).isEqualTo(first);

    // Once the old token really expired, the token is unavailable and says why.
    await().atMost(3, TimeUnit.SECONDS).until(() -> tokens.info("wx").state() == TokenState.UNAVAILABLE);
    assertThat(Instant.now()).isAfterOrEqualTo(expiresAt);
    assertThatThrownBy(() -> join(tokens.current("wx")))
        .isInstanceOfSatisfying(TokenException.class, e -> assertThat(e.code()).isEqualTo(TokenException.UNAVAILABLE))
        .hasMessageContaining(expected(mode)).satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));

    // Exponential backoff with jitter: retry k waits between half and all of min(20ms * 2^(k-1), 200ms), so the
    // first four retries span at least 10 + 20 + 40 + 80 = 150ms (a fixed 20ms backoff would take at most 80ms).
    // The endpoint timestamps requests as it handles them, so allow it a little scheduling noise.
    await().atMost(3, TimeUnit.SECONDS).until(() -> endpoint.fetchNanos.size() >= 6);
    List<Long> times = List.copyOf(endpoint.fetchNanos);
    assertThat((times.get(5) - times.get(1)) / 1_000_000).isGreaterThanOrEqualTo(135L);
    // About 1s of failures with 20..200ms backoff: a handful of attempts, not a storm.
    assertThat(endpoint.fetches.get()).isBetween(4, 20);

    endpoint.mode = Mode.OK;
    await().atMost(3, TimeUnit.SECONDS).until(() -> tokens.info("wx").state() == TokenState.VALID);
    assertThat(join(tokens.current("wx"))).isEqualTo(endpoint.latest()).isNotEqualTo(first);
    assertThat(tokens.info("wx").lastError()).isNull();
    assertThat(tokens.info("wx").consecutiveFailures()).isZero();

    String logged = log.text();
    assertThat(logged).contains("Token 'wx' fetch failed").contains(expected(mode));
    assertThat(logged).doesNotContain(SECRET);
  }

  private static String expected(Mode mode) {
    return switch (mode) {
      case HTTP_500 -> "HTTP 500";
      case ERRCODE -> "upstream error 40013: invalid appid";
      case MISSING_FIELD -> "no string field 'access_token'";
      case HANG -> "150ms";
      case OK -> throw new IllegalArgumentException();
    };
  }
}
