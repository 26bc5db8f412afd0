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
 * Loads the configuration with vertx-config: the JSON file, the {@code BERTH_*} environment variables and the
 * {@code berth.*} system properties. The file is kept apart from the overrides so that {@link ConfigReader} can
 * map each override to exactly one key instead of guessing at nesting.
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
    ConfigStoreOptions fileStore = new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", file.toAbsolutePath().toString()));
    ConfigStoreOptions envStore = new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("raw-data", true));
    ConfigStoreOptions sysStore = new ConfigStoreOptions().setType("sys")
        .setConfig(new JsonObject().put("hierarchical", false).put("raw-data", true).put("cache", false));
    Future<JsonObject> fileJson = retrieve(vertx, fileStore)
        .recover(e -> Future.failedFuture(new ConfigException("--conf",
            "file " + file + " is not a valid JSON object: " + rootCause(e).getMessage())));
    return fileJson.compose(json -> Future.all(retrieve(vertx, envStore), retrieve(vertx, sysStore))
        .map(both -> ConfigReader.of(json, strings(both.resultAt(0), "BERTH_"), strings(both.resultAt(1), "berth."))));
  }

  private static Future<JsonObject> retrieve(Vertx vertx, ConfigStoreOptions store) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(0).setIncludeDefaultStores(false).addStore(store));
    return retriever.getConfig().eventually(() -> {
      retriever.close();
      return Future.succeededFuture();
    });
  }

  private static Map<String, String> strings(JsonObject json, String prefix) {
    Map<String, String> out = new HashMap<>();
    json.forEach(e -> {
      if (e.getKey().startsWith(prefix) && e.getValue() != null) {
        out.put(e.getKey(), String.valueOf(e.getValue()));
      }
    });
    return out;
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
