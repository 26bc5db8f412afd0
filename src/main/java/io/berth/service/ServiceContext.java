package io.berth.service;

import io.berth.config.ConfigReader;
import io.berth.scope.ServiceRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Optional;

/**
 * What a service gets from the host: its name, Vert.x, the lifetime, the registry, the host's features (such as the
 * work queues), its own part of the configuration, its cancellation and what is left of the stop deadline.
 */
public interface ServiceContext {

  /** The service's unique name, as in logs, events and the admin API. */
  String name();

  Vertx vertx();

  ApplicationLifetime lifetime();

  /** The host's registry of singletons and scopes. */
  ServiceRegistry registry();

  /**
   * A feature a host module offers, by type: {@code io.berth.work.WorkQueues} when the host has queues,
   * {@code io.berth.token.Tokens} when it has tokens; empty when the host has none.
   */
  <T> Optional<T> feature(Class<T> type);

  /** The service's section of the configuration ({@code services.<name>}), empty when there is none. */
  JsonObject config();

  /**
   * The same section as a validated reader: typed reads with defaults, {@code BERTH_SERVICES_<NAME>_<KEY>}
   * overrides, and errors that name the key. Declare the service's own keys with {@code ServiceOptions.configKeys}
   * so that the host's check of unknown keys accepts them.
   */
  ConfigReader settings();

  /**
   * Cancelled when this service's turn to stop comes (services stop in reverse order), or when its start timed out.
   * The host-wide early signal is {@link ApplicationLifetime#stoppingToken()}.
   */
  CancellationToken cancellation();

  /** What is left of the shutdown deadline: the whole {@code shutdownTimeout} until a stop begins. */
  Duration remainingStopTime();
}
