package io.berth.admin;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.core.HostStartException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
class AdminAuthTest {

  @Test
  void withoutATokenOneIsGeneratedIntoAnOwnerOnlyFile(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("nested/data/admin.token");
    Host host = Host.builder().vertx(vertx).http(new HttpOptions().port(0).tokenFile(file)).build();
    AdminApiTest.sync(host.start());
    try {
      assertThat(file).exists();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      String token = Files.readString(file).trim();
      assertThat(token).matches("[0-9a-f]{64}");
      Api api = Api.of(host, token);
      assertThat(api.get("/api/v1/services").status()).isEqualTo(200);
      api.withToken(token.substring(1)).get("/api/v1/services").assertError(401, "unauthorized");
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }

  @Test
  void aConfiguredTokenIsNeverWrittenToTheFile(Vertx vertx, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("admin.token");
    Host host = Host.builder().vertx(vertx).http(new HttpOptions().port(0).token("configured").tokenFile(file)).build();
    AdminApiTest.sync(host.start());
    try {
      assertThat(file).doesNotExist();
      assertThat(Api.of(host, "configured").get("/api/v1/services").status()).isEqualTo(200);
    } finally {
      AdminApiTest.sync(host.stop());
    }
  }

  @Test
  void aNonLoopbackAddressWithoutATokenIsAConfigError() {
    for (String address : new String[] {"0.0.0.0", "10.1.2.3", "example.org", "::"}) {
      ConfigReader config = ConfigReader.of(new JsonObject().put("http", new JsonObject().put("host", address)));
      assertThatThrownBy(() -> HttpOptions.from(config.section("http")))
          .isInstanceOf(ConfigException.class)
          .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("http.token"))
          .hasMessageContaining(address);
    }
    ConfigReader withToken = ConfigReader.of(new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0")),
        Map.of("BERTH_HTTP_TOKEN", "from-env"), Map.of());
    assertThat(HttpOptions.from(withToken.section("http")).token()).isEqualTo("from-env");
    for (String loopback : new String[] {"127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"}) {
      ConfigReader config = ConfigReader.of(new JsonObject().put("http", new JsonObject().put("host", loopback)));
      assertThat(HttpOptions.from(config.section("http")).token()).isNull();
    }
  }

  @Test
  void aBlankTokenIsAConfigError() {
    ConfigReader config = ConfigReader.of(new JsonObject().put("http", new JsonObject().put("token", " ")));
    assertThatThrownBy(() -> HttpOptions.from(config.section("http")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("http.token");
  }

  @Test
  void aCodeBuiltHostOnANonLoopbackAddressWithoutATokenDoesNotStart(Vertx vertx) {
    Host host = Host.builder().vertx(vertx).http(new HttpOptions().host("0.0.0.0").port(0)).build();
    assertThatThrownBy(() -> AdminApiTest.sync(host.start()))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(HostStartException.class)
        .cause().isInstanceOf(ConfigException.class).hasMessageContaining("http.token");
  }

  @Test
  void aHostOnATakenPortFailsNamingItAndLeavesTheRunningHostsTokenFileAlone(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("admin.token"), "the-running-hosts-token\n");
    try (ServerSocket running = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      HttpOptions http = new HttpOptions().port(running.getLocalPort()).tokenFile(tokenFile);
      assertThatThrownBy(http::preflight).isInstanceOf(ConfigException.class)
          .hasMessage("port " + running.getLocalPort() + " is in use (http.port) on 127.0.0.1: is another host"
              + " running? Stop it or choose another port");

      // A host that skipped the check (or lost the port since) fails at its bind, before writing the token.
      Host host = Host.builder().vertx(vertx).http(http).build();
      assertThatThrownBy(() -> AdminApiTest.sync(host.start()))
          .cause().isInstanceOf(HostStartException.class)
          .cause().isInstanceOf(ConfigException.class).hasMessageContaining("is in use (http.port)");
    }
    assertThat(Files.readString(tokenFile)).isEqualTo("the-running-hosts-token\n");
    assertThat(dir.resolve("admin.token.tmp")).doesNotExist();
  }

  @Test
  void aTokenFileThatIsADirectoryFailsNamingTheKeyAndLeavesNothingBehind(Vertx vertx, @TempDir Path dir) {
    Path tokenDir = dir.resolve("tokens");
    HttpOptions http = new HttpOptions().port(0).tokenFile(tokenDir);
    assertThat(tokenDir.toFile().mkdir()).isTrue();

    Host host = Host.builder().vertx(vertx).http(http).build();
    assertThatThrownBy(() -> AdminApiTest.sync(host.start()))
        .cause().isInstanceOf(HostStartException.class)
        .cause().isInstanceOf(ConfigException.class).hasMessageContaining("http.tokenFile")
        .hasMessageContaining("is a directory");
    assertThat(dir.resolve("tokens.tmp")).doesNotExist();
    assertThat(tokenDir.toFile().list()).isEmpty();
  }
}
