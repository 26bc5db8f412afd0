package io.berth.admin;

import io.berth.host.Host;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The enqueue route's cheaper steps decide as before: a parameter whose schema admits every string skips the schema
 * validator only for a value that is a string (a path segment the library decodes as a number is still refused),
 * and the hand-written 202 body is the JSON a {@link JsonObject} would have encoded.
 */
@ExtendWith(VertxExtension.class)
class ContractFastPathTest {

  @Test
  void onlyASchemaThatSaysNothingButTypeStringAdmitsEveryString() {
    assertThat(ContractValidation.admitsEveryString(JsonSchema.of(new JsonObject()
        .put("type", "string").put("description", "a name").put("__absolute_uri__", "app:///x")))).isTrue();
    assertThat(ContractValidation.admitsEveryString(JsonSchema.of(new JsonObject()
        .put("type", "string").put("minLength", 1)))).isFalse();
    assertThat(ContractValidation.admitsEveryString(JsonSchema.of(new JsonObject()
        .put("type", "string").put("enum", new io.vertx.core.json.JsonArray().add("a"))))).isFalse();
    assertThat(ContractValidation.admitsEveryString(JsonSchema.of(new JsonObject().put("type", "integer"))))
        .isFalse();
    assertThat(ContractValidation.admitsEveryString(JsonSchema.of(new JsonObject()))).isFalse();
  }

  @Test
  void theWrittenAnswerIsTheJsonOfItsFields() {
    for (String s : new String[] {"default", "", "a\"b", "back\\slash", "line\nbreak\r\t", "\u0001\u001f", "é✓"}) {
      String json = "{\"v\":" + QueueRoutes.quoted(s) + "}";
      assertThat(new JsonObject(json).getString("v")).as(json).isEqualTo(s);
    }
  }

  @Test
  void aPathSegmentTheLibraryReadsAsANumberIsStillRefusedAndANameIsAccepted(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Host host = Host.builder().vertx(vertx)
        .queue(new QueueOptions("default"))
        .handler("log", ctx -> { })
        .http(new HttpOptions().port(0).token("t").tokenFile(dir.resolve("admin.token")))
        .build();
    AdminApiTest.sync(host.start());
    try {
      Api api = Api.of(host, "t");
      String body = "{\"type\":\"log\",\"payload\":{}}";
      Api.Resp ok = api.post("/api/v1/queues/default/items", "application/json", body);
      assertThat(ok.status()).as(ok.body()).isEqualTo(202);
      assertThat(ok.json().fieldNames()).containsExactly("id", "queue", "status");
      assertThat(ok.json().getString("queue")).isEqualTo("default");
      assertThat(ok.json().getString("status")).isEqualTo("queued");
      // "1.5" is decoded by the library's transformer as a number, which {type: string} refuses: the validator ran.
      JsonObject refused = api.post("/api/v1/queues/1.5/items", "application/json", body).assertError(400,
          "bad_request");
      assertThat(refused.getString("message")).contains("queue");
      api.post("/api/v1/queues/other/items", "application/json", body).assertError(404, "unknown_queue");
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }
}
