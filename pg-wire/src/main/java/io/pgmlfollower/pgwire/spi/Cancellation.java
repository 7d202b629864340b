package io.pgmlfollower.pgwire.spi;

/** Tells a running local statement that the client asked to cancel it. */
public interface Cancellation {
  boolean isCancelled();

  /** Throws {@code 57014 query_canceled} when cancelled; call it at safe points of long work. */
  default void check() throws PgWireException {
    if (isCancelled()) {
      throw new PgWireException(SqlState.QUERY_CANCELED, "canceling statement due to user request");
    }
  }
}
