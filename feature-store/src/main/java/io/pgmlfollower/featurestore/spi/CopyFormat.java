package io.pgmlfollower.featurestore.spi;

/**
 * The format of a snapshot's COPY stream (https://www.postgresql.org/docs/current/sql-copy.html).
 * Binary is less work at both ends (no numbers printed by the source and parsed again by the store)
 * but only where both ends hold the same type and the loader can read its binary form: the loader
 * says which it takes, table by table ({@link SnapshotLoader#formatFor}).
 */
public enum CopyFormat {
  /** Tab-separated text rows, backslash escapes, {@code \N} for NULL. */
  TEXT,
  /**
   * PostgreSQL's binary COPY, whole: the signature header, the rows, the end marker ({@code Int16
   * -1}).
   */
  BINARY;

  /** The option of a COPY statement: {@code (FORMAT text)} or {@code (FORMAT binary)}. */
  public String sqlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
