package io.berth.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad cluster config stops the launcher with exit code 2 and one line naming the key, before joining anything. */
class ClusterConfigTest {

  @TempDir
  Path dir;

  private record Result(int code, String err) {
  }

  private Result run(JsonObject config) throws Exception {
    Path file = dir.resolve("config.json");
    config.put("http", new JsonObject().put("port", 0).put("tokenFile", dir.resolve("admin.token").toString()));
    config.put("store", new JsonObject().put("type", "memory"));
    Files.writeString(file, config.encodePrettily());
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new BerthCommand()).execute("--conf", file.toString());
      return new Result(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(original);
    }
  }

  @Test
  void clusterEnabledWithoutMembersNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("berth: configuration error: config key 'cluster.members'").doesNotContain("Exception");
  }

  @Test
  void membersThatAreNotHostPortNameTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("members", new JsonArray().add("127.0.0.1:5701").add("not a host"))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.members").contains("'not a host'");
  }

  @Test
  void aLeaseTtlShorterThanThreeRenewalsNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", true)
        .put("members", new JsonArray().add("127.0.0.1:5701"))
        .put("singletons", new JsonObject().put("ttl", "2s").put("renewInterval", "1s"))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.singletons.ttl");
  }

  @Test
  void aSingletonWithoutTheClusteredStoreNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("services", new JsonObject()
        .put("ticker", new JsonObject().put("singleton", true))));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("services.ticker.singleton").contains("store.type: postgres");
  }

  @Test
  void aListOfMembersIsAKnownKey() throws Exception {
    // Valid members, a bad ttl: the error is the ttl's, not an unknown cluster.members.
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabled", false)
        .put("members", new JsonArray().add("127.0.0.1:5701")).put("bogus", 1)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.bogus").doesNotContain("cluster.members");
  }

  @Test
  void anUnknownClusterKeyNamesTheKey() throws Exception {
    Result r = run(new JsonObject().put("cluster", new JsonObject().put("enabld", true)));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cluster.enabld");
  }
}
