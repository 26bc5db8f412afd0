package io.berth.admin;

import io.berth.admin.Api.Resp;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.service.ExceptionPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.berth.testing.Await.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Readiness with the application's health checks and critical services. */
class HealthCheckTest {

  @TempDir
  Path dir;
  Host host;

  @AfterEach
  void stop() {
    if (host != null) {
      result(host.stop());
    }
  }

  @Test
  void aFailingCheckTurnsReadinessDownAndBack() {
    AtomicBoolean dbUp = new AtomicBoolean(true);
    host = Host.builder()
        .healthCheck("db", promise -> promise.complete(dbUp.get() ? Status.OK() : Status.KO(
            new JsonObject().put("reason", "connection refused"))))
        .healthCheck("cache", Duration.ofSeconds(1), promise -> promise.complete(Status.OK()))
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .build();
    result(host.start());
    Api api = Api.of(host, null);

    Resp up = api.get("/health/ready");
    assertThat(up.status()).isEqualTo(200);
    assertThat(up.json().getString("status")).isEqualTo("ready");
    assertThat(up.json().getJsonArray("checks")).containsExactlyInAnyOrder(
        new JsonObject().put("id", "db").put("status", "UP"),
        new JsonObject().put("id", "cache").put("status", "UP"));

    dbUp.set(false);
    Resp down = api.get("/health/ready");
    assertThat(down.status()).isEqualTo(503);
    assertThat(down.json().getString("status")).isEqualTo("not-ready");
    JsonArray checks = down.json().getJsonArray("checks");
    assertThat(checks).contains(new JsonObject().put("id", "cache").put("status", "UP"));
    JsonObject db = find(checks, "db");
    assertThat(db.getString("status")).isEqualTo("DOWN");
    assertThat(db.getJsonObject("data").getString("reason")).isEqualTo("connection refused");
    assertThat(api.get("/health/live").status()).as("liveness ignores the checks").isEqualTo(200);

    dbUp.set(true);
    assertThat(api.get("/health/ready").status()).isEqualTo(200);
  }

  @Test
  void aCheckThatThrowsOrNeverAnswersIsDown() {
    host = Host.builder()
        .healthCheck("throws", promise -> {
          throw new IllegalStateException("no route to db");
        })
        .healthCheck("hangs", Duration.ofMillis(200), promise -> { })
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .build();
    result(host.start());
    Resp down = Api.of(host, null).get("/health/ready");
    assertThat(down.status()).isEqualTo(503);
    assertThat(find(down.json().getJsonArray("checks"), "throws").getString("status")).isEqualTo("DOWN");
    assertThat(find(down.json().getJsonArray("checks"), "hangs").getString("status")).isEqualTo("DOWN");
  }

  @Test
  void aFailedServiceMarkedNotCriticalKeepsTheHostReady() {
    host = Host.builder()
        .config(ConfigReader.of(new JsonObject().put("services", new JsonObject()
            .put("optional", new JsonObject().put("critical", false)))))
        .background("optional", token -> {
          throw new IllegalStateException("broken on purpose");
        })
        .background("required", token -> token.future().toCompletionStage().toCompletableFuture().join())
        .options(new io.berth.core.HostOptions().exceptionPolicy(ExceptionPolicy.IGNORE))
        .http(new HttpOptions().port(0).tokenFile(dir.resolve("admin.token")))
        .build();
    result(host.start());
    await().atMost(Duration.ofSeconds(5)).until(() -> host.services().stream()
        .anyMatch(s -> s.name().equals("optional") && s.state().label().equals("failed")));
    Resp ready = Api.of(host, null).get("/health/ready");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().getJsonArray("failed").getJsonObject(0).getBoolean("critical")).isFalse();
  }

  @Test
  void checksNeedTheHttpServerAndUniqueNames() {
    assertThatThrownBy(() -> Host.builder().healthCheck("db", p -> p.complete(Status.OK())).build())
        .hasMessageContaining("http(");
    assertThatThrownBy(() -> Host.builder().healthCheck("db", p -> p.complete(Status.OK()))
        .healthCheck("db", p -> p.complete(Status.OK())).http(new HttpOptions().port(0)).build())
        .hasMessageContaining("unique");
  }

  private static JsonObject find(JsonArray checks, String id) {
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i);
      }
    }
    throw new AssertionError("no check " + id + " in " + checks.encode());
  }
}
