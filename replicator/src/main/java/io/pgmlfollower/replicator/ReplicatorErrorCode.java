package io.pgmlfollower.replicator;

/**
 * Replicator error codes, each with the SQLSTATE a client sees when the error reaches the endpoint
 * (e.g. in {@code pgml.replication_status()}), and whether retrying with a new connection can help.
 *
 * <p>SQLSTATEs follow https://www.postgresql.org/docs/current/errcodes-appendix.html.
 */
public enum ReplicatorErrorCode {
  /** The source could not be reached, or the connection broke. Retried with backoff. */
  SOURCE_UNAVAILABLE("08006", true),
  /** The replication slot is held by another session (often a zombie walsender). Retried. */
  SLOT_IN_USE("55006", true),
  /** The store is temporarily unusable. Retried. */
  STORE_UNAVAILABLE("58000", true),
  /** The store's volume is (nearly) full: nothing was applied. Retried until space is freed. */
  STORE_FULL("53100", true),
  /** The slot is gone although the store holds offsets: changes since then are lost. */
  SLOT_MISSING("55000", false),
  /** The slot was acknowledged beyond what the store holds: changes in between are lost. */
  SLOT_AHEAD("55000", false),
  /** The source invalidated the slot (max_slot_wal_keep_size): changes since are lost. */
  SLOT_INVALIDATED("55000", false),
  /** The slot exists but belongs to another database or output plugin. */
  SLOT_INCOMPATIBLE("55000", false),
  /** The configured publication does not exist on the source. */
  PUBLICATION_MISSING("42704", false),
  /** The source role lacks a privilege (REPLICATION, SELECT on a published table). */
  ACCESS_DENIED("42501", false),
  /** The source sent something that breaks the pgoutput protocol. */
  PROTOCOL_VIOLATION("08P01", false),
  /** The source sent something this replicator does not handle yet. */
  UNSUPPORTED("0A000", false),
  /** The source refused a statement for a reason not listed above. */
  SOURCE_ERROR("XX000", false),
  /** The store refused what the source sent. */
  STORE_REJECTED("22000", false),
  /** A configuration value is missing or invalid. */
  INVALID_CONFIGURATION("22023", false),
  /** The source was closed (or failed) before the awaited position was applied. */
  SOURCE_STOPPED("55000", false),
  INTERNAL("XX000", false);

  private final String sqlState;
  private final boolean retryable;

  ReplicatorErrorCode(String sqlState, boolean retryable) {
    this.sqlState = sqlState;
    this.retryable = retryable;
  }

  public String sqlState() {
    return sqlState;
  }

  /** Whether a new connection after a backoff may succeed where this attempt failed. */
  public boolean retryable() {
    return retryable;
  }
}
