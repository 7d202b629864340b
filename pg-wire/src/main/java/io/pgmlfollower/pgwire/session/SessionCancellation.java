package io.pgmlfollower.pgwire.session;

import io.pgmlfollower.pgwire.spi.Cancellation;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;

/**
 * The cancel flag of one local statement run, and why it was set (as PostgreSQL words it: "due to
 * user request", "due to statement timeout"); set from the event loop, read on any thread.
 */
final class SessionCancellation implements Cancellation {
  private volatile String reason;

  /** A CancelRequest from the client. */
  void cancel() {
    if (reason == null) {
      reason = "user request";
    }
  }

  /** The statement ran longer than the statement timeout. */
  void timeOut() {
    if (reason == null) {
      reason = "statement timeout";
    }
  }

  @Override
  public boolean isCancelled() {
    return reason != null;
  }

  @Override
  public void check() throws PgWireException {
    String why = reason;
    if (why != null) {
      throw new PgWireException(SqlState.QUERY_CANCELED, "canceling statement due to " + why);
    }
  }
}
