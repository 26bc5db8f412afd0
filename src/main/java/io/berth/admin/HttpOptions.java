package io.berth.admin;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The HTTP server's settings (config section {@code http}):
 * <ul>
 *   <li>{@code host} (127.0.0.1): the address to bind; anything but a loopback address requires {@code token};</li>
 *   <li>{@code port} (8080; 0 picks a free port);</li>
 *   <li>{@code token}: the admin API's bearer token (also {@code BERTH_HTTP_TOKEN}); when unset the server generates
 *       a random 256-bit token at start and writes it to {@code tokenFile};</li>
 *   <li>{@code tokenFile} ({@code data/admin.token}): where a generated token is written, readable by the owner only;</li>
 *   <li>{@code maxBodySize} (256KiB): larger request bodies get 413 before they are buffered whole;</li>
 *   <li>{@code eventBuffer} (256): events held for one slow {@code /api/v1/events} client before further events are
 *       dropped (and counted);</li>
 *   <li>{@code drainDelay} (0s): how long {@code /health/ready} answers 503 at shutdown before the server closes, so
 *       that a load balancer stops sending traffic first;</li>
 *   <li>{@code idleTimeout} (60s): a connection on which no byte moves either way for this long is closed (the event
 *       stream sends a keep-alive comment every 15 s, or at a quarter of this period when that is shorter, so it
 *       stays open);</li>
 *   <li>{@code requestTimeout} (30s): a request must arrive whole, headers and body, within this long of its
 *       connection opening or of the previous answer on it (else 408, or a plain close mid-headers);</li>
 *   <li>{@code maxConnections} (500): connections open at once; one more gets 503 {@code too_many_connections} and
 *       is closed.</li>
 * </ul>
 */
public final class HttpOptions {

  private String host = "127.0.0.1";
  private int port = 8080;
  private String token;
  private Path tokenFile = Path.of("data", "admin.token");
  private long maxBodySize = 256 * 1024;
  private int eventBuffer = 256;
  private Duration drainDelay = Duration.ZERO;
  private Duration idleTimeout = Duration.ofSeconds(60);
  private Duration requestTimeout = Duration.ofSeconds(30);
  private int maxConnections = 500;

  /**
   * Reads and validates the {@code http} section. Fails with a {@link ConfigException} naming {@code http.token}
   * when the server binds a non-loopback address without a configured token.
   */
  public static HttpOptions from(ConfigReader http) {
    HttpOptions o = new HttpOptions();
    o.host = http.string("host", o.host);
    if (o.host.isBlank()) {
      throw new ConfigException(http.key("host"), "must be a host name or IP address, not blank");
    }
    o.port = http.integer("port", o.port, 0, 65535);
    o.token = http.string("token", null);
    if (o.token != null && o.token.isBlank()) {
      throw new ConfigException(http.key("token"), "must not be blank; leave it unset to have a token generated");
    }
    String file = http.string("tokenFile", o.tokenFile.toString());
    if (file.isBlank()) {
      throw new ConfigException(http.key("tokenFile"), "must be a file path, not blank");
    }
    o.tokenFile = Path.of(file);
    o.maxBodySize = http.bytes("maxBodySize", o.maxBodySize, 1, 64L * 1024 * 1024);
    o.eventBuffer = http.integer("eventBuffer", o.eventBuffer, 1, 100_000);
    o.drainDelay = http.duration("drainDelay", o.drainDelay, Duration.ZERO);
    o.idleTimeout = http.duration("idleTimeout", o.idleTimeout, Duration.ofMillis(100));
    o.requestTimeout = http.duration("requestTimeout", o.requestTimeout, Duration.ofMillis(100));
    o.maxConnections = http.integer("maxConnections", o.maxConnections, 1, 1_000_000);
    o.validate(http.key("token"));
    return o;
  }

  /**
   * Fails with a {@link ConfigException} naming {@code tokenKey} when the server would bind a non-loopback address
   * with no configured token: a generated token on a public interface is a secret nobody meant to share.
   */
  void validate(String tokenKey) {
    if (token == null && !isLoopback(host)) {
      throw new ConfigException(tokenKey, "must be set (or BERTH_HTTP_TOKEN) when http.host is '" + host
          + "', which is not a loopback address");
    }
  }

  /**
   * The checks a launcher makes before it starts anything (blocking: call it off the event loop): the port is free
   * and, without a configured token, the token file can be written.
   *
   * @throws ConfigException naming {@code http.port}, {@code http.host} or {@code http.tokenFile}
   */
  public void preflight() {
    checkTokenFile();
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);   // as the server binds: a port whose old connections linger in TIME_WAIT is free
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw ConfigException.withMessage("http.port", "port " + port + " is in use (http.port) on " + host
          + ": is another host running? Stop it or choose another port");
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("http.host", "'" + host + "' cannot be bound: " + e.getMessage());
    }
  }

  /** Without a configured token, fails naming {@code http.tokenFile} when the token could not be written there. */
  void checkTokenFile() {
    if (token != null) {
      return;
    }
    Path file = tokenFile.toAbsolutePath().normalize();
    if (Files.isDirectory(file)) {
      throw new ConfigException("http.tokenFile", file + " is a directory; it must name a file");
    }
    Path existing = file.getParent();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing)) {
      throw new ConfigException("http.tokenFile", file + " cannot be created: " + existing + " is not a directory");
    }
    if (!Files.isWritable(existing)) {
      throw new ConfigException("http.tokenFile", file + " cannot be written: " + existing + " is not writable");
    }
  }

  /** True for {@code localhost} and loopback IP literals; host names are never resolved (no DNS at startup). */
  static boolean isLoopback(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.equals("localhost")) {
      return true;
    }
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    boolean literal = h.matches("[0-9.]+") || h.contains(":");
    if (!literal) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
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

  public HttpOptions tokenFile(Path tokenFile) {
    this.tokenFile = Objects.requireNonNull(tokenFile);
    return this;
  }

  public HttpOptions maxBodySize(long maxBodySize) {
    this.maxBodySize = maxBodySize;
    return this;
  }

  public HttpOptions eventBuffer(int eventBuffer) {
    if (eventBuffer < 1) {
      throw new IllegalArgumentException("eventBuffer must be at least 1, not " + eventBuffer);
    }
    this.eventBuffer = eventBuffer;
    return this;
  }

  public HttpOptions drainDelay(Duration drainDelay) {
    this.drainDelay = Objects.requireNonNull(drainDelay);
    return this;
  }

  /** Closes a connection on which nothing moved for this long (at least 100ms). */
  public HttpOptions idleTimeout(Duration idleTimeout) {
    this.idleTimeout = atLeast100ms(idleTimeout, "idleTimeout");
    return this;
  }

  /** The time a request has to arrive whole, headers and body (at least 100ms). */
  public HttpOptions requestTimeout(Duration requestTimeout) {
    this.requestTimeout = atLeast100ms(requestTimeout, "requestTimeout");
    return this;
  }

  /** The most connections open at once; further ones are refused with 503. */
  public HttpOptions maxConnections(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, not " + maxConnections);
    }
    this.maxConnections = maxConnections;
    return this;
  }

  private static Duration atLeast100ms(Duration d, String name) {
    if (d.toMillis() < 100) {
      throw new IllegalArgumentException(name + " must be at least 100ms, not " + d.toMillis() + "ms");
    }
    return d;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  public int maxConnections() {
    return maxConnections;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** The configured token, or null when the server generates one. */
  public String token() {
    return token;
  }

  public Path tokenFile() {
    return tokenFile;
  }

  public long maxBodySize() {
    return maxBodySize;
  }

  public int eventBuffer() {
    return eventBuffer;
  }

  public Duration drainDelay() {
    return drainDelay;
  }

  /** Where the admin token comes from, for the banner: never the token itself. */
  public String tokenSource() {
    return token != null ? "configured (http.token / BERTH_HTTP_TOKEN)"
        : "generated, in " + tokenFile.toAbsolutePath().normalize();
  }
}
