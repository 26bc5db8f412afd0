package io.berth.core;

import java.util.List;
import io.berth.service.ExceptionPolicy;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-service settings; anything left unset falls back to the host's {@link HostOptions}.
 * The same keys can be set in config under {@code services.<name>}: {@code enabled}, {@code startTimeout},
 * {@code exceptionPolicy}, {@code singleton}.
 */
public final class ServiceOptions {

  private String name;
  private Duration startTimeout;
  private ExceptionPolicy exceptionPolicy;
  private RestartPolicy restartPolicy;
  private List<String> configKeys = List.of();
  private Boolean singleton;

  public ServiceOptions name(String name) {
    this.name = Objects.requireNonNull(name, "name");
    return this;
  }

  public ServiceOptions startTimeout(Duration startTimeout) {
    this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
    return this;
  }

  public ServiceOptions exceptionPolicy(ExceptionPolicy exceptionPolicy) {
    this.exceptionPolicy = Objects.requireNonNull(exceptionPolicy, "exceptionPolicy");
    return this;
  }

  public ServiceOptions restartPolicy(RestartPolicy restartPolicy) {
    this.restartPolicy = Objects.requireNonNull(restartPolicy, "restartPolicy");
    return this;
  }

  /**
   * Runs this service on exactly one node of the cluster at a time ({@code true}); the other nodes hold it
   * {@code standby} and start it when the node that runs it stops or dies. Needs the cluster with the PostgreSQL
   * store (the lease lives there). Unset: timed services are singletons in a cluster, the others are not.
   */
  public ServiceOptions singleton(boolean singleton) {
    this.singleton = singleton;
    return this;
  }

  /**
   * The service's own keys under {@code services.<name>}, which it reads itself through
   * {@code ServiceContext.settings()}: the check of unknown keys accepts them.
   */
  public ServiceOptions configKeys(String... keys) {
    this.configKeys = List.of(keys);
    return this;
  }

  List<String> configKeys() {
    return configKeys;
  }

  /** Null when unset. */
  Boolean singleton() {
    return singleton;
  }

  String name() {
    return name;
  }

  Duration startTimeout() {
    return startTimeout;
  }

  ExceptionPolicy exceptionPolicy() {
    return exceptionPolicy;
  }

  RestartPolicy restartPolicy() {
    return restartPolicy;
  }
}
