package io.berth.token;

import io.berth.testing.LogCapture;
import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A fake token endpoint and a host per test, on the extension's Vert.x; the host is stopped after each test. */
@ExtendWith(VertxExtension.class)
abstract class TokenTestBase {

  static final String SECRET = "s3cr3t-VALUE-xyz";

  Vertx vertx;
  FakeTokenEndpoint endpoint;
  Host host;
  LogCapture log;

  @BeforeEach
  void startEndpoint(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.log = LogCapture.start();
    this.endpoint = join(FakeTokenEndpoint.start(vertx));
  }

  @AfterEach
  void stopHost() throws Exception {
    try {
      if (host != null) {
        join(host.stop());
        assertThat(host.exitCode()).as("the token services stopped cleanly").isZero();
      }
    } finally {
      log.close();
    }
  }

  /** WeChat-style: GET with appid and secret in the query, the secret from the environment. */
  TokenOptions.Builder wechat() {
    return TokenOptions.builder("wx", endpoint.url())
        .query("grant_type", "client_credential").query("appid", "wx-app").query("secret", SECRET).secret(SECRET)
        .startTimeout(Duration.ofSeconds(5))
        .requestTimeout(Duration.ofSeconds(2))
        .backoff(Duration.ofMillis(20), Duration.ofMillis(200));
  }

  Tokens startHost(TokenOptions... options) throws Exception {
    Tokens tokens = Tokens.of(options);
    host = Host.builder().vertx(vertx).module(tokens).build();
    join(host.start());
    return tokens;
  }

  static <T> T join(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    }
  }
}
