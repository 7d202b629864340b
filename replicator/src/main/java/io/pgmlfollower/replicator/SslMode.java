package io.pgmlfollower.replicator;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * The source connection's TLS mode, with libpq's meaning
 * (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION).
 */
public enum SslMode {
  DISABLE("disable"),
  PREFER("prefer"),
  REQUIRE("require"),
  VERIFY_FULL("verify-full");

  private final String pgjdbcValue;

  SslMode(String pgjdbcValue) {
    this.pgjdbcValue = pgjdbcValue;
  }

  /** The value of pgjdbc's {@code sslmode} property, which follows libpq's names. */
  public String pgjdbcValue() {
    return pgjdbcValue;
  }

  /** Parses a configuration value: {@code disable | prefer | require | verify-full}. */
  public static SslMode fromConfig(String value) {
    requireNonNull(value, "value is null");
    String normalized = value.trim().toLowerCase(Locale.ROOT);
    for (SslMode mode : values()) {
      if (mode.pgjdbcValue.equals(normalized)) {
        return mode;
      }
    }
    throw new IllegalArgumentException(
        "sslmode must be one of disable, prefer, require, verify-full, not '" + value + "'");
  }
}
