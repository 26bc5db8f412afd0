package io.berth.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar while the admin API's contract compiles: it begins when the HTTP module registers, so a start that ends
 * before it finished (a config error found after the host was built, which closes Vert.x at once) must still exit
 * with its code and its one line, with no stack trace from the compile that was cut short.
 */
class ContractCompileJarIT {

  @TempDir
  Path dir;

  @Test
  void aConfigErrorFoundWhileTheContractCompilesExitsWithCodeTwoInOneLine() throws Exception {
    // Found after the build (the unknown keys are checked once every module has read its section), a few hundred
    // milliseconds into a compile of one to two seconds. Three runs: the compile's step after the close is a race.
    Path conf = Files.writeString(dir.resolve("typo.json"), "{\"http\": {\"port\": 0, \"tokenFile\": \""
        + dir.resolve("admin.token") + "\"}, \"bogus\": 1}");
    for (int run = 0; run < 3; run++) {
      BerthJarIT.Running berth = BerthJarIT.Running.start(conf);

      assertThat(berth.exitCode()).isEqualTo(2);
      assertThat(berth.output()).contains("config key 'bogus': unknown key");
      assertThat(berth.problemLines()).as("run %d", run).hasSize(1);
    }
  }

  @Test
  void aHostThatStartsAnswersTheContractsRoutesAndValidatesThem() throws Exception {
    // The compile runs apart from the host's Vert.x; the routes it builds still validate each request.
    Path conf = Files.writeString(dir.resolve("ok.json"), "{\"http\": {\"port\": 0, \"token\": \"it-token-1234\"},"
        + " \"store\": {\"type\": \"memory\"}}");
    BerthJarIT.Running berth = BerthJarIT.Running.start(conf);
    try {
      String health = berth.awaitMatch(java.util.regex.Pattern.compile("health: +(http://\\S+)/health/ready"));
      java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
      java.net.http.HttpResponse<String> bad = client.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create(health + "/api/v1/queues/default/items?limit=0"))
          .header("Authorization", "Bearer it-token-1234").GET().build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("\"error\":\"invalid_limit\"");
    } finally {
      berth.process.destroy();
      assertThat(berth.exitCode()).isZero();
    }
    // Every line but INFO log lines and the banner's: none (no warning, no stack trace).
    assertThat(berth.problemLines()).allMatch(line -> line.startsWith("  "));
  }
}
