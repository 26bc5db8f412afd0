package io.berth.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Loads the configuration: the JSON file through vertx-config (a file store, read once), then the {@code BERTH_*}
 * environment variables and the {@code berth.*} system properties, read directly. The file is kept apart from the
 * overrides so that {@link ConfigReader} can map each override to exactly one key instead of guessing at nesting.
 */
public final class ConfigLoader {

  private ConfigLoader() {
  }

  /**
   * Reads {@code file} (which must exist and hold a JSON object) and the overrides.
   * Fails with a {@link ConfigException} keyed {@code --conf} when the file is missing or not valid JSON.
   */
  public static Future<ConfigReader> load(Vertx vertx, Path file) {
    if (!Files.isRegularFile(file)) {
      return Future.failedFuture(new ConfigException("--conf", "file " + file + " does not exist"));
    }
    String path = file.toAbsolutePath().toString();
    Future<JsonObject> fileJson = retrieve(vertx, new ConfigStoreOptions().setType("file").setFormat("json")
            .setConfig(new JsonObject().put("path", path)))
        // vertx-config's refusal quotes Jackson over several lines: read the text again to say where, in one line.
        .recover(e -> vertx.fileSystem().readFile(path)
            .recover(e2 -> Future.failedFuture(new ConfigException("--conf", "file " + file + " cannot be read: "
                + rootCause(e2).getMessage())))
            .map(bytes -> {
              parse(file, bytes.toString(java.nio.charset.StandardCharsets.UTF_8));
              throw new ConfigException("--conf", "file " + file + " cannot be read: " + rootCause(e).getMessage());
            }));
    // The overrides are flat maps read straight from the process (vertx-config's env and sys stores would give the
    // same maps at the cost of two more retrievers on the startup path).
    return fileJson.map(json -> ConfigReader.of(json, withPrefix(System.getenv(), "BERTH_"),
        withPrefix(systemProperties(), "berth.")));
  }

  /** The built-in defaults with the overrides, for a host run without a configuration file. */
  public static ConfigReader defaults() {
    return ConfigReader.of(new JsonObject(), withPrefix(System.getenv(), "BERTH_"),
        withPrefix(systemProperties(), "berth."));
  }

  /** The file's JSON object; a syntax error is one line naming the file, the line and the column. */
  static JsonObject parse(Path file, String text) {
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(text);
    } catch (io.vertx.core.json.DecodeException e) {
      String where = "";
      String what = "it is not valid JSON";
      if (e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
        if (j.getLocation() != null) {
          where = ":" + j.getLocation().getLineNr() + ":" + j.getLocation().getColumnNr();
        }
        what = j.getOriginalMessage().lines().findFirst().orElse(what);
      }
      throw new ConfigException("--conf", "file " + file + where + " is not valid JSON: " + what);
    }
    if (!(value instanceof JsonObject json)) {
      throw new ConfigException("--conf", "file " + file + " must hold a JSON object, not " + value);
    }
    return json;
  }

  private static Map<String, String> systemProperties() {
    Map<String, String> out = new HashMap<>();
    System.getProperties().forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    return out;
  }

  private static Map<String, String> withPrefix(Map<String, String> all, String prefix) {
    Map<String, String> out = new HashMap<>();
    all.forEach((k, v) -> {
      if (k.startsWith(prefix) && v != null) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** Reads one store once through vertx-config (no scanning), then closes the retriever. */
  private static Future<JsonObject> retrieve(Vertx vertx, ConfigStoreOptions store) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false).addStore(store));
    return retriever.getConfig().eventually(() -> {
      retriever.close();
      return Future.succeededFuture();
    });
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
