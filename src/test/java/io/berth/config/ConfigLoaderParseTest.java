package io.berth.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Config errors a newcomer meets first: one line naming the file, line and column, or the variable. */
class ConfigLoaderParseTest {

  @Test
  void aJsonSyntaxErrorIsOneLineWithFileLineAndColumn() {
    assertThatThrownBy(() -> ConfigLoader.parse(Path.of("conf/x.json"), "{\n  \"http\": {\n    \"port\": 8080,\n  }\n}"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("REDACTED")
            .contains("conf/x.json:4:3 is not valid JSON"));
  }

  @Test
  void theFileIsReadThroughVertxConfigAndABrokenOneFailsInOneLine(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      Path good = java.nio.file.Files.writeString(dir.resolve("good.json"), "{\"shutdownTimeout\": \"5s\"}");
      Path bad = java.nio.file.Files.writeString(dir.resolve("bad.json"), "{\n  \"http\": {\n    \"port\": 8080,\n  }\n}");

      ConfigReader config = ConfigLoader.load(vertx, good).toCompletionStage().toCompletableFuture().get();
      Throwable failure = ConfigLoader.load(vertx, bad).toCompletionStage().toCompletableFuture()
          .handle((ok, e) -> e).get();

      assertThat(config.string("shutdownTimeout", null)).isEqualTo("5s");
      assertThat(failure).isInstanceOf(ConfigException.class);
      assertThat(failure.getMessage()).doesNotContain("\n").contains("bad.json:4:3 is not valid JSON");
    } finally {
      vertx.close();
    }
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheVariable() {
    ConfigReader config = ConfigReader.of(new io.vertx.core.json.JsonObject(), Map.of("BERTH_HTTP_PORT", "eighty"), Map.of());
    assertThatThrownBy(() -> config.section("http").integer("port", 8080, 0, 65535))
        .hasMessageContaining("http.port (from BERTH_HTTP_PORT)");
  }
}
