package io.pgmlfollower.serving.config;

/** A configuration error; the message names the key (and the line, when known) and the fix. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String message) {
    super(message);
    this.key = key;
  }

  public ConfigException(String key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** The dotted key at fault, e.g. {@code source.host}. */
  public String key() {
    return key;
  }
}
