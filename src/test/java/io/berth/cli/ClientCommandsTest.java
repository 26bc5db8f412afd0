package io.berth.cli;

import io.berth.admin.HttpOptions;
import io.berth.host.Host;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class ClientCommandsTest {

  Host host;
  String url;
  Path tokenFile;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeEach
  void start(Vertx vertx, @TempDir Path dir) throws Exception {
    tokenFile = dir.resolve("admin.token");
    host = Host.builder().vertx(vertx)
        .background("worker", token -> token.future().toCompletionStage().toCompletableFuture().join())
        .queue(new io.berth.work.QueueOptions("default"))
        .handler("noop", ctx -> { })
        .http(new HttpOptions().port(0).tokenFile(tokenFile))
        .build();
    sync(host.start());
    url = "http://127.0.0.1:" + host.lifetime().httpAddress().orElseThrow().port();
  }

  @AfterEach
  void stop() throws Exception {
    sync(host.stop());
  }

  static <T> T sync(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  int run(String... args) {
    CommandLine cli = new CommandLine(new BerthCommand());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void statusListsTheServicesUsingTheTokenFileFromTheConfig(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("config.json");
    int port = host.lifetime().httpAddress().orElseThrow().port();
    Files.writeString(conf, "{\"http\":{\"port\":" + port + ",\"tokenFile\":\"" + tokenFile.toString().replace("\\", "\\\\") + "\"}}");
    assertThat(run("status", "--conf", conf.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("worker").contains("background").contains("running").contains("http");
    // No "null" for a service without an error; start times in milliseconds, one width for every row.
    assertThat(out.toString()).doesNotContain("null")
        .containsPattern("worker +background +running +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\s");
  }

  @Test
  void aRefusedTokenGetsAHintToPassTheConfigOrTheToken(@TempDir Path elsewhere) {
    String noToken = elsewhere.resolve("no.token").toString().replace("\\", "\\\\");
    assertThat(run("status", "--url", url, "--conf", write(elsewhere, "{\"http\":{\"tokenFile\":\"" + noToken + "\"}}")))
        .isEqualTo(1);
    assertThat(err.toString()).contains("401").contains("the token came from nowhere").contains("--token TOKEN")
        .contains("--conf FILE");
  }

  @Test
  void helpForASubcommandPrintsItsUsageAndExitsZero() {
    assertThat(run("help", "enqueue")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("--type=TYPE").contains("--queue=NAME");
  }

  private static String write(Path dir, String json) {
    try {
      return Files.writeString(dir.resolve("config.json"), json).toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void statusWithAWrongTokenExitsNonZeroWithTheServersMessage() {
    assertThat(run("status", "--url", url, "--token", "wrong")).isEqualTo(1);
    assertThat(err.toString()).contains("The Bearer token is not valid.").contains("401");
  }

  @Test
  void statusWithoutAServerExitsNonZero() {
    assertThat(run("status", "--url", "http://127.0.0.1:1", "--token", "t")).isEqualTo(1);
    assertThat(err.toString()).contains("cannot connect");
  }

  @Test
  void enqueueQueuesAnItemAndReportsTheServersError() throws Exception {
    String token = Files.readString(tokenFile).trim();
    assertThat(run("enqueue", "--url", url, "--token", token, "--type", "noop", "--payload", "{\"ms\":1}"))
        .as(err.toString()).isZero();
    assertThat(out.toString()).matches("(?s)queued \\S+ on default \\(queued\\)\\s*");

    assertThat(run("enqueue", "--url", url, "--token", token, "--type", "no.such.type")).isEqualTo(1);
    assertThat(err.toString()).contains("unknown_type").contains("422");
  }

  @Test
  void enqueueRefusesAPayloadThatIsNotAnObject() {
    assertThat(run("enqueue", "--url", url, "--token", "t", "--type", "x", "--payload", "[1]")).isEqualTo(2);
    assertThat(err.toString()).contains("--payload must be a JSON object");
  }
}
