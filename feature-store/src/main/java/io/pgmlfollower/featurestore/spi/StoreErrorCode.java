package io.pgmlfollower.featurestore.spi;

/** Store error codes, each with the SQLSTATE a client sees when the error reaches the endpoint. */
public enum StoreErrorCode {
  /** The store could not be reached or failed underneath (I/O, process died). */
  STORE_UNAVAILABLE("58000"),
  /** The store refused data the source sent (a value its type does not accept). */
  INVALID_DATA("22000"),
  /** A table's shape on the source cannot be applied to the store. */
  SCHEMA_MISMATCH("42804"),
  /**
   * The store no longer holds what the source says it holds (an UPDATE or DELETE found no row to
   * change): applying more would drift silently, so the source must snapshot again.
   */
  DIVERGED("XX001"),
  /**
   * The store's volume has less free space than {@code store.min-free-mb}: nothing was written.
   * Retried: it clears once space is freed or the volume grown.
   */
  DISK_FULL("53100"),
  /** The store's directory or port cannot be used. */
  CONFIGURATION("F0000"),
  INTERNAL("XX000");

  private final String sqlState;

  StoreErrorCode(String sqlState) {
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }
}
