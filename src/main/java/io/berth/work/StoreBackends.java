package io.berth.work;

import io.berth.core.HostView;

/** Opens the backend that {@link StoreOptions} names: the one place that knows every kind of store. */
final class StoreBackends {

  private StoreBackends() {
  }

  /**
   * The backend of {@code options}, opened (schema migrated, left-over running items recovered), or null for the
   * memory store ({@code options} null or {@code type: memory}).
   *
   * @throws io.berth.config.ConfigException naming the {@code store.*} key when the store cannot be used
   */
  static StoreBackend open(StoreOptions options, HostView host) {
    if (options == null) {
      return null;
    }
    return switch (options.type()) {
      case MEMORY -> null;
      case SQLITE -> SqliteDatabase.open(options.path(), options.fullSync());
      case POSTGRES -> PostgresDatabase.open(options, host);
    };
  }
}
