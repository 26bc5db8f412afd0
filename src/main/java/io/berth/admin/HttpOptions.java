package io.berth.admin;

import io.berth.config.ConfigReader;

import java.time.Duration;
import java.util.Objects;

/**
 * The HTTP server's settings (config section {@code http}): {@code host} (127.0.0.1), {@code port} (8080; 0 picks a
 * free port), {@code token} (the admin API's bearer token), {@code maxBodySize} (256KiB) and {@code drainDelay}
 * (0s: how long {@code /health/ready} answers 503 at shutdown before the server closes, so that a load balancer
 * stops sending traffic first).
 */
public final class HttpOptions {

  private String host = "127.0.0.1";
  private int port = 8080;
  private String token;
  private long maxBodySize = 256 * 1024;
  private Duration drainDelay = Duration.ZERO;

  public static HttpOptions from(ConfigReader http) {
    HttpOptions o = new HttpOptions();
    o.host = http.string("host", o.host);
    if (o.host.isBlank()) {
      throw new io.berth.config.ConfigException(http.key("host"), "must be a host name or IP address, not blank");
    }
    o.port = http.integer("port", o.port, 0, 65535);
    o.token = http.string("token", null);
    o.maxBodySize = http.bytes("maxBodySize", o.maxBodySize, 1, 64L * 1024 * 1024);
    o.drainDelay = http.duration("drainDelay", o.drainDelay, Duration.ZERO);
    return o;
  }

  public HttpOptions host(String host) {
    this.host = Objects.requireNonNull(host);
    return this;
  }

  public HttpOptions port(int port) {
    this.port = port;
    return this;
  }

  public HttpOptions token(String token) {
    this.token = token;
    return this;
  }

  public HttpOptions maxBodySize(long maxBodySize) {
    this.maxBodySize = maxBodySize;
    return this;
  }

  public HttpOptions drainDelay(Duration drainDelay) {
    this.drainDelay = Objects.requireNonNull(drainDelay);
    return this;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public String token() {
    return token;
  }

  public long maxBodySize() {
    return maxBodySize;
  }

  public Duration drainDelay() {
    return drainDelay;
  }
}
