package io.berth.core;

import io.berth.config.ConfigReader;
import io.berth.service.ExceptionPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Host-wide settings with their defaults in one place. Config keys (top level): {@code shutdownTimeout} (30s),
 * {@code startTimeout} (30s), {@code servicesStartConcurrently} (false), {@code servicesStopConcurrently} (false),
 * {@code exceptionPolicy} (StopHost), {@code virtualThreads} (false; used only on Java 21+).
 */
public final class HostOptions {

  private Duration shutdownTimeout = Duration.ofSeconds(30);
  private Duration startTimeout = Duration.ofSeconds(30);
  private boolean servicesStartConcurrently;
  private boolean servicesStopConcurrently;
  private ExceptionPolicy exceptionPolicy = ExceptionPolicy.STOP_HOST;
  private RestartPolicy restartPolicy = RestartPolicy.DEFAULT;
  private boolean virtualThreads;

  /** Reads the host's keys at the top level of the configuration. */
  public static HostOptions from(ConfigReader config) {
    HostOptions o = new HostOptions();
    o.shutdownTimeout = config.duration("shutdownTimeout", o.shutdownTimeout, Duration.ofMillis(100));
    o.startTimeout = config.duration("startTimeout", o.startTimeout, Duration.ofMillis(1));
    o.servicesStartConcurrently = config.bool("servicesStartConcurrently", false);
    o.servicesStopConcurrently = config.bool("servicesStopConcurrently", false);
    o.exceptionPolicy = config.choice("exceptionPolicy", o.exceptionPolicy, ExceptionPolicy.class, ExceptionPolicy::label);
    o.virtualThreads = config.bool("virtualThreads", false);
    return o;
  }

  /** How long a graceful stop may take in all, from the stop request to the last service stopped. */
  public HostOptions shutdownTimeout(Duration shutdownTimeout) {
    this.shutdownTimeout = Objects.requireNonNull(shutdownTimeout);
    return this;
  }

  /** How long each service's start may take, unless the service sets its own. */
  public HostOptions startTimeout(Duration startTimeout) {
    this.startTimeout = Objects.requireNonNull(startTimeout);
    return this;
  }

  public HostOptions servicesStartConcurrently(boolean value) {
    this.servicesStartConcurrently = value;
    return this;
  }

  public HostOptions servicesStopConcurrently(boolean value) {
    this.servicesStopConcurrently = value;
    return this;
  }

  /** What happens when a background service throws, unless the service sets its own policy. */
  public HostOptions exceptionPolicy(ExceptionPolicy exceptionPolicy) {
    this.exceptionPolicy = Objects.requireNonNull(exceptionPolicy);
    return this;
  }

  public HostOptions restartPolicy(RestartPolicy restartPolicy) {
    this.restartPolicy = Objects.requireNonNull(restartPolicy);
    return this;
  }

  /** Run background loops, timed runs and work items on virtual threads when the JVM has them (21+). */
  public HostOptions virtualThreads(boolean virtualThreads) {
    this.virtualThreads = virtualThreads;
    return this;
  }

  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  public Duration startTimeout() {
    return startTimeout;
  }

  public boolean servicesStartConcurrently() {
    return servicesStartConcurrently;
  }

  public boolean servicesStopConcurrently() {
    return servicesStopConcurrently;
  }

  public ExceptionPolicy exceptionPolicy() {
    return exceptionPolicy;
  }

  public RestartPolicy restartPolicy() {
    return restartPolicy;
  }

  public boolean virtualThreads() {
    return virtualThreads;
  }
}
