package io.berth.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.vertx.core.json.JsonArray;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The cluster's settings, from the config section {@code cluster} or set in code: {@code enabled} (false),
 * {@code name} ({@code berth}: nodes join only a cluster of the same name), {@code members} (the {@code host:port}
 * list of nodes to join over TCP/IP, required when enabled), {@code host} (the interface to bind and announce,
 * {@code 127.0.0.1} by default), {@code port} (5701; the next free one is taken when it is in use),
 * {@code configFile} (a Hazelcast XML or YAML file for anything else; the keys above still apply), and the
 * singleton leases: {@code singletons.ttl} (5s) and {@code singletons.renewInterval} (1s).
 *
 * <p>Multicast, auto-detection and phone-home are off; a node joins at once (no join wait) and a node that stops
 * answering is dropped after 5 s without heartbeat (1 s heartbeats).
 */
public final class ClusterOptions {

  private boolean enabled;
  private String name = "berth";
  private List<String> members = List.of();
  private String host = "127.0.0.1";
  private int port = 5701;
  private Path configFile;
  private Duration ttl = Duration.ofSeconds(5);
  private Duration renewInterval = Duration.ofSeconds(1);

  /** A cluster, enabled, with the defaults; set at least its {@link #members}. */
  public ClusterOptions() {
    this.enabled = true;
  }

  /** Reads the {@code cluster} section; without {@code cluster.enabled: true} the host runs alone. */
  public static ClusterOptions from(ConfigReader section) {
    ClusterOptions o = new ClusterOptions();
    o.enabled = false;
    return o.read(section);
  }

  /** Overrides these options with the keys set in {@code section} ({@code cluster}), validating each. */
  public ClusterOptions read(ConfigReader section) {
    enabled = section.bool("enabled", enabled);
    name = section.string("name", name);
    if (name.isBlank()) {
      throw new ConfigException(section.key("name"), "must be a non-blank cluster name");
    }
    if (section.has("members")) {
      members = members(section);
    }
    host = section.string("host", host);
    if (host.isBlank()) {
      throw new ConfigException(section.key("host"), "must be an interface address such as 127.0.0.1 or 10.0.0.5");
    }
    port = section.integer("port", port, 1, 65535);
    String file = section.string("configFile", configFile == null ? null : configFile.toString());
    if (file != null) {
      Path p = Path.of(file);
      if (!Files.isRegularFile(p)) {
        throw new ConfigException(section.key("configFile"), "names no readable file: " + p.toAbsolutePath());
      }
      configFile = p;
    }
    ConfigReader singletons = section.section("singletons");
    ttl = singletons.duration("ttl", ttl, Duration.ofMillis(300));
    renewInterval = singletons.duration("renewInterval", renewInterval, Duration.ofMillis(100));
    if (ttl.compareTo(renewInterval.multipliedBy(3)) < 0) {
      throw new ConfigException(singletons.key("ttl"), "must be at least three renewIntervals ("
          + renewInterval.toMillis() * 3 + "ms): a holder stops its singleton one renew interval before the lease"
          + " can pass, and renews several times within it");
    }
    if (enabled && members.isEmpty() && configFile == null) {
      throw new ConfigException(section.key("members"), "is required when cluster.enabled is true: the host:port"
          + " of the nodes to join over TCP/IP, such as [\"10.0.0.5:5701\", \"10.0.0.6:5701\"] (this node may be"
          + " among them)");
    }
    return this;
  }

  private static List<String> members(ConfigReader section) {
    section.declare("members");   // read raw below: a JSON list is not one of the reader's types
    Object raw = section.json().getValue("members");
    List<String> list = new ArrayList<>();
    if (raw instanceof JsonArray array) {
      for (Object o : array) {
        if (!(o instanceof String s)) {
          throw new ConfigException(section.key("members"), "must be a list of host:port strings, not " + o);
        }
        list.add(s);
      }
    } else {
      // A string (also how an environment override arrives): comma-separated.
      String s = section.string("members", "");
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          list.add(part.trim());
        }
      }
    }
    for (String m : list) {
      if (!m.trim().matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
        throw new ConfigException(section.key("members"), "must be a list of host:port strings, not '" + m + "'");
      }
    }
    return List.copyOf(list);
  }

  /** Whether the host joins a cluster. */
  public boolean enabled() {
    return enabled;
  }

  public ClusterOptions enabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public String name() {
    return name;
  }

  /** Nodes join only a cluster of their own name (tests give each run a unique one). */
  public ClusterOptions name(String name) {
    this.name = Objects.requireNonNull(name);
    return this;
  }

  /** A name no other cluster has: {@code berth-<random>}, for tests. */
  public ClusterOptions uniqueName() {
    return name("berth-" + UUID.randomUUID());
  }

  public List<String> members() {
    return members;
  }

  /** The {@code host:port} of the nodes to join over TCP/IP (this node may be among them). */
  public ClusterOptions members(List<String> members) {
    this.members = List.copyOf(members);
    return this;
  }

  public String host() {
    return host;
  }

  /** The interface to bind and announce. */
  public ClusterOptions host(String host) {
    this.host = Objects.requireNonNull(host);
    return this;
  }

  public int port() {
    return port;
  }

  /** The cluster port; when it is in use, the next free one is taken. */
  public ClusterOptions port(int port) {
    this.port = port;
    return this;
  }

  /** A Hazelcast XML or YAML file for anything else; the options set here still apply on top of it. */
  public ClusterOptions configFile(Path file) {
    this.configFile = file;
    return this;
  }

  public Duration ttl() {
    return ttl;
  }

  /** How long a singleton's lease lasts without renewal: a dead holder's singleton moves within ttl + renew. */
  public ClusterOptions ttl(Duration ttl) {
    this.ttl = Objects.requireNonNull(ttl);
    return this;
  }

  public Duration renewInterval() {
    return renewInterval;
  }

  /** How often the holder renews its lease (and others try to take a free one). */
  public ClusterOptions renewInterval(Duration renewInterval) {
    this.renewInterval = Objects.requireNonNull(renewInterval);
    return this;
  }

  /** The Hazelcast configuration: the file's (or Vert.x's defaults), with these options on top. */
  public Config hazelcastConfig() {
    Config c;
    if (configFile != null) {
      try {
        c = Config.loadFromFile(configFile.toFile());
      } catch (IOException | RuntimeException e) {
        throw new ConfigException("cluster.configFile", "could not be read as a Hazelcast XML or YAML file: "
            + e.getMessage());
      }
    } else {
      c = ConfigUtil.loadConfig();
    }
    c.setClusterName(name);
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    c.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    c.setProperty("hazelcast.logging.type", "slf4j");
    // No Hazelcast shutdown hook (Vert.x's cluster manager turns it off too): the host's stop closes Vert.x, which
    // leaves the cluster.
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(port).setPortAutoIncrement(true);
    if (host.matches("[0-9.]+")) {
      net.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
      c.setProperty("hazelcast.socket.bind.any", "false");
    } else {
      net.setPublicAddress(host);
    }
    if (!members.isEmpty() || configFile == null) {
      JoinConfig join = net.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(members)).setConnectionTimeoutSeconds(1);
    }
    return c;
  }

  @Override
  public String toString() {
    return "cluster '" + name + "', members " + String.join(", ", members) + ", this node on " + host + ":" + port;
  }
}
