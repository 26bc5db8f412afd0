package io.berth.cli;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.ConnectException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The admin API client behind the CLI's subcommands: where the server is and which token to send, from the flags or
 * else the same configuration the server reads ({@code --conf}, {@code BERTH_HTTP_*}, {@code berth.http.*}).
 */
final class AdminClient {

  /** The options every client subcommand shares (a picocli mixin). */
  static final class Options {
    @Option(names = "--conf", paramLabel = "FILE",
        description = "The server's JSON configuration, for its address and token (default: conf/config.json if present).")
    Path conf;

    @Option(names = "--url", paramLabel = "URL", description = "The server's base URL (default: from http.host and http.port).")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN",
        description = "The admin token (default: http.token / BERTH_HTTP_TOKEN, else the file http.tokenFile).")
    String token;
  }

  /** An answer that is not 2xx, or no answer: the message is what the user reads. */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  record Response(int status, JsonObject body) {
  }

  private final String base;
  private final String token;
  /** Where the token came from, for the hint on a 401. */
  private final String tokenOrigin;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AdminClient(String base, String token, String tokenOrigin) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    this.tokenOrigin = tokenOrigin;
  }

  /** What a client subcommand does with a connected client; returns its exit code. */
  @FunctionalInterface
  interface Call {
    int run() throws ConfigException, Failure;
  }

  /** Runs a client subcommand, turning a bad config into exit code 2 and a refused request into 1, on stderr. */
  static int exitCode(PrintWriter err, Call call) {
    try {
      return call.run();
    } catch (ConfigException e) {
      err.println("berth: configuration error: " + e.getMessage());
      return BerthCommand.CONFIG_ERROR;
    } catch (Failure e) {
      err.println("berth: " + e.getMessage());
      return BerthCommand.FAILED;
    } finally {
      err.flush();
    }
  }

  /** Resolves the URL and token; fails with a {@link ConfigException} for an unreadable or invalid config. */
  static AdminClient from(Options o) {
    ConfigReader http = config(o.conf).section("http");
    String host = http.string("host", "127.0.0.1");
    int port = http.integer("port", 8080, 1, 65535);
    String base = o.url;
    if (base == null) {
      String connect = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
      base = "http://" + (connect.contains(":") && !connect.startsWith("[") ? "[" + connect + "]" : connect) + ":" + port;
    }
    String token = o.token;
    String origin = "--token";
    if (token == null) {
      token = http.string("token", null);
      origin = "http.token";
    }
    if (token == null) {
      Path file = Path.of(http.string("tokenFile", "data/admin.token"));
      origin = Files.isReadable(file) ? "the file " + file : "nowhere (no --token, http.token, BERTH_HTTP_TOKEN or "
          + file.toAbsolutePath().normalize() + ")";
      if (Files.isReadable(file)) {
        try {
          token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
          throw new ConfigException("http.tokenFile", "cannot read " + file + ": " + e.getMessage());
        }
      }
    }
    return new AdminClient(base, token, origin);
  }

  private static ConfigReader config(Path conf) {
    Path file = conf != null ? conf : Path.of("conf/config.json");
    JsonObject json = new JsonObject();
    if (Files.isRegularFile(file)) {
      try {
        json = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
      } catch (IOException | DecodeException e) {
        throw new ConfigException("--conf", "file " + file + " is not a readable JSON object: " + e.getMessage());
      }
    } else if (conf != null) {
      throw new ConfigException("--conf", "file " + file + " does not exist");
    }
    Map<String, String> sys = new HashMap<>();
    System.getProperties().forEach((k, v) -> sys.put(String.valueOf(k), String.valueOf(v)));
    return ConfigReader.of(json, System.getenv(), sys);
  }

  String base() {
    return base;
  }

  Response get(String path) throws Failure {
    return send(request(path).GET());
  }

  Response postJson(String path, JsonObject body) throws Failure {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private HttpRequest.Builder request(String path) throws Failure {
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    } catch (IllegalArgumentException e) {
      throw new Failure("the URL " + base + path + " is not valid: " + e.getMessage());
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Response send(HttpRequest.Builder b) throws Failure {
    HttpRequest request = b.build();
    HttpResponse<String> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new Failure("cannot connect to " + base + " (is the host running?)");
    } catch (HttpTimeoutException e) {
      throw new Failure("no answer from " + base + " in time");
    } catch (IOException e) {
      throw new Failure("request to " + request.uri() + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    JsonObject body;
    try {
      body = r.body().isBlank() ? new JsonObject() : new JsonObject(r.body());
    } catch (DecodeException e) {
      throw new Failure("the server answered " + r.statusCode() + " with a body that is not JSON");
    }
    if (r.statusCode() / 100 != 2) {
      String message = body.getString("message", "the server answered " + r.statusCode());
      String hint = r.statusCode() != 401 ? "" : "; the token came from " + tokenOrigin
          + ": pass --token TOKEN, or --conf FILE with the host's configuration (its http.token or http.tokenFile)";
      throw new Failure(message + " (HTTP " + r.statusCode()
          + (body.containsKey("error") ? ", " + body.getString("error") : "") + ")" + hint);
    }
    return new Response(r.statusCode(), body);
  }
}
