package io.berth.work;

import io.berth.config.ConfigReader;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Where the work module keeps its items, from the config section {@code store}: {@code type} ({@code sqlite}, the
 * default once the section exists, or {@code memory}: nothing survives a restart), {@code path}
 * ({@code data/berth.db}) and {@code synchronous} ({@code full}, the default: an accepted item survives a power
 * loss; {@code normal}: faster commits, and a power loss, not a crash, may undo the last accepted items).
 */
public final class StoreOptions {

  /** The kinds of store. */
  public enum Type { SQLITE, MEMORY }

  private Type type = Type.SQLITE;
  private Path path = Path.of("data", "berth.db");
  private boolean fullSync = true;

  /** The SQLite store at {@code data/berth.db}, {@code synchronous=FULL}. */
  public StoreOptions() {
  }

  /** The in-memory store: nothing survives a restart (tests, throw-away work). */
  public static StoreOptions memory() {
    return new StoreOptions().type(Type.MEMORY);
  }

  /** Overrides these options with the keys set in {@code section} ({@code store}), validating each. */
  public StoreOptions read(ConfigReader section) {
    type = section.choice("type", type, Map.of("sqlite", Type.SQLITE, "memory", Type.MEMORY));
    String p = section.string("path", path.toString());
    if (p.isBlank()) {
      throw new io.berth.config.ConfigException(section.key("path"), "must be a file path, such as data/berth.db");
    }
    path = Path.of(p);
    fullSync = section.choice("synchronous", fullSync, Map.of("full", true, "normal", false));
    return this;
  }

  public Type type() {
    return type;
  }

  public StoreOptions type(Type type) {
    this.type = Objects.requireNonNull(type);
    return this;
  }

  public Path path() {
    return path;
  }

  /** The SQLite file; its folder also holds {@code tmp/}, where the native library is extracted. */
  public StoreOptions path(Path path) {
    this.path = Objects.requireNonNull(path);
    return this;
  }

  public boolean fullSync() {
    return fullSync;
  }

  /** {@code synchronous=FULL} (true, the default) or {@code NORMAL}. */
  public StoreOptions fullSync(boolean fullSync) {
    this.fullSync = fullSync;
    return this;
  }
}
