package io.berth.config;

import io.berth.core.HostOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigReaderTest {

  @Test
  void readsTypedHostOptions() {
    ConfigReader config = ConfigReader.of(new JsonObject()
        .put("shutdownTimeout", "10s").put("servicesStartConcurrently", true).put("exceptionPolicy", "restart"));

    HostOptions options = HostOptions.from(config);
    config.rejectUnknownKeys();

    assertThat(options.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.servicesStartConcurrently()).isTrue();
    assertThat(options.exceptionPolicy().label()).isEqualTo("Restart");
  }

  @Test
  void unknownKeyIsNamedWithTheAllowedOnes() {
    ConfigReader config = ConfigReader.of(new JsonObject().put("http", new JsonObject().put("prot", 1)));
    config.section("http").integer("port", 8080, 0, 65535);
    config.section("http").string("host", "127.0.0.1");

    assertThatThrownBy(config::rejectUnknownKeys)
        .isInstanceOf(ConfigException.class)
        .hasMessage("config key 'http.prot': unknown key; the keys allowed under 'http' are: host, port")
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("http.prot"));
  }

  @Test
  void wrongTypesAndBadDurationsNameTheKeyAndWhatIsAllowed() {
    ConfigReader config = ConfigReader.of(new JsonObject()
        .put("shutdownTimeout", "soon").put("port", "eighty").put("flag", "yes").put("policy", "Explode"));

    assertThatThrownBy(() -> config.duration("shutdownTimeout", Duration.ZERO, Duration.ZERO))
        .hasMessageStartingWith("config key 'shutdownTimeout': Invalid duration 'soon'")
        .hasMessageContaining("250ms, 5s, 2m, 1h");
    assertThatThrownBy(() -> config.integer("port", 0, 0, 65535))
        .hasMessage("config key 'port': must be a whole number from 0 to 65535, not \"eighty\"");
    assertThatThrownBy(() -> config.bool("flag", false))
        .hasMessage("config key 'flag': must be true or false, not \"yes\"");
    assertThatThrownBy(() -> config.choice("policy", null, Map.of("StopHost", 1)))
        .hasMessage("config key 'policy': must be one of StopHost, not \"Explode\"");
  }

  @Test
  void environmentOverridesTheFileAndSystemPropertiesOverrideBoth() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("port", 8080).put("maxBodySize", 10));
    ConfigReader config = ConfigReader.of(file,
        Map.of("BERTH_HTTP_PORT", "9090", "BERTH_HTTP_MAX_BODY_SIZE", "1KiB", "BERTH_SHUTDOWN_TIMEOUT", "10s"),
        Map.of("berth.http.port", "9191"));

    assertThat(config.section("http").integer("port", 0, 0, 65535)).isEqualTo(9191);
    assertThat(config.section("http").bytes("maxBodySize", 0, 0, 1 << 20)).isEqualTo(1024);
    assertThat(config.duration("shutdownTimeout", Duration.ZERO, Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.unusedEnvironmentOverrides()).isEmpty();
  }

  @Test
  void envNamesFollowTheKeyPath() {
    assertThat(ConfigReader.envName("shutdownTimeout")).isEqualTo("BERTH_SHUTDOWN_TIMEOUT");
    assertThat(ConfigReader.envName("http.maxBodySize")).isEqualTo("BERTH_HTTP_MAX_BODY_SIZE");
    assertThat(ConfigReader.envName("services.ticker.schedule")).isEqualTo("BERTH_SERVICES_TICKER_SCHEDULE");
  }

  @Test
  void unusedBerthVariablesAreReportedAsProbableTypos() {
    ConfigReader config = ConfigReader.of(new JsonObject(), Map.of("BERTH_HTTP_PROT", "1", "PATH", "/bin"), Map.of());
    config.section("http").integer("port", 8080, 0, 65535);

    assertThat(config.unusedEnvironmentOverrides()).containsExactly("BERTH_HTTP_PROT");
  }
}
