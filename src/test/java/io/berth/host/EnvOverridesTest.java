package io.berth.host;

import io.berth.admin.HttpOptions;
import io.berth.config.ConfigReader;
import io.berth.work.QueueOptions;
import io.berth.work.StoreOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Environment variables apply to every module's keys even when the file has no section for them: the launcher
 * refuses a {@code BERTH_*} variable no key used, so a module that skips an absent section would make a valid
 * variable fatal.
 */
class EnvOverridesTest {

  @Test
  void workStoreAndMetricsVariablesApplyWithoutTheirSections(@TempDir Path dir) {
    Map<String, String> env = Map.of("BERTH_WORK_MAX_BYTES", "64MiB", "BERTH_METRICS_REQUIRE_TOKEN", "true",
        "BERTH_STORE_SYNCHRONOUS", "normal");
    ConfigReader config = ConfigReader.of(new JsonObject(), env, Map.of());
    Host host = Host.builder().config(config)
        .store(new StoreOptions().path(dir.resolve("berth.db")))
        .http(new HttpOptions().port(0).token("env-overrides-token-0123456789").tokenFile(dir.resolve("t")))
        .metrics()
        .queue(new QueueOptions("q")).handler("t", ctx -> { })
        .build();
    try {
      assertThat(config.unusedEnvironmentOverrides()).isEmpty();
    } finally {
      host.vertx().close();
    }
  }
}
