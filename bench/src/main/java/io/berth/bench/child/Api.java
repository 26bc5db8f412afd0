package io.berth.bench.child;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The admin API of a Berth child or jar, over HTTP/1.1 with the bearer token the bench configured. */
public final class Api {
  /** The token every child is configured with ({@code http.token}). */
  public static final String TOKEN = "bench-admin-token-0123456789abcdef0123456789";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(500)).build();
  private final String base;

  public Api(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** The {@code http} config section of a child listening on {@code port}. */
  public static JsonObject httpConfig(int port, java.nio.file.Path dir) {
    return new JsonObject().put("port", port).put("host", "127.0.0.1").put("token", TOKEN)
        .put("tokenFile", dir.resolve("admin.token").toString());
  }

  /** GET {@code path}: the JSON body on 200, null when the server is not up yet or answers otherwise. */
  public JsonObject get(String path) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5))
          .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** POST a JSON body; returns the status code (-1 on a connection error). */
  public int post(String path, JsonObject body) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The stats of queue {@code name} from {@code GET /api/v1/queues}, or null. */
  public JsonObject queue(String name) {
    JsonObject all = get("/api/v1/queues");
    if (all == null) return null;
    JsonArray qs = all.getJsonArray("queues", new JsonArray());
    for (int i = 0; i < qs.size(); i++) {
      JsonObject q = qs.getJsonObject(i);
      if (name.equals(q.getString("name"))) return q;
    }
    return null;
  }
}
