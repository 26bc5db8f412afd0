package io.berth.admin;

import io.berth.host.Host;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A blocking HTTP client for the tests (run on the test thread, never on an event loop). */
final class Api {

  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  record Resp(int status, java.net.http.HttpHeaders headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    /** Asserts the status and the error body shape, returning the body. */
    JsonObject assertError(int expected, String code) {
      assertThat(status).as("status of %s", body).isEqualTo(expected);
      assertThat(headers.firstValue("content-type")).hasValue("application/json");
      JsonObject json = json();
      assertThat(json.fieldNames()).containsExactlyInAnyOrder("error", "message");
      assertThat(json.getString("error")).isEqualTo(code);
      assertThat(json.getString("message")).isNotBlank();
      return json;
    }
  }

  private final String base;
  private final String token;

  Api(String base, String token) {
    this.base = base;
    this.token = token;
  }

  static Api of(Host host, String token) {
    var address = host.lifetime().httpAddress().orElseThrow();
    return new Api("http://127.0.0.1:" + address.port(), token);
  }

  String base() {
    return base;
  }

  Api withToken(String other) {
    return new Api(base, other);
  }

  Resp get(String path) {
    return send(request(path).GET());
  }

  Resp post(String path, String contentType, String body) {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return send(b);
  }

  Resp method(String method, String path) {
    return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  Resp send(HttpRequest.Builder b) {
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Resp(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
