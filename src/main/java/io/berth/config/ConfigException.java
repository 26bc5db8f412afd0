package io.berth.config;

/**
 * A configuration value that is missing, of the wrong type, out of range or unknown. The launcher turns it into
 * exit code 2 with {@link #getMessage()}, which always names the key and what is allowed.
 */
public final class ConfigException extends RuntimeException {

  private final String key;

  public ConfigException(String key, String problem) {
    super("config key '" + key + "': " + problem);
    this.key = key;
  }

  private ConfigException(String key, String message, boolean whole) {
    super(message);
    this.key = key;
  }

  /** An error about {@code key} whose whole message is {@code message}, which must name the key itself. */
  public static ConfigException withMessage(String key, String message) {
    return new ConfigException(key, message, true);
  }

  /** The dotted path of the offending key, such as {@code http.port}. */
  public String key() {
    return key;
  }
}
