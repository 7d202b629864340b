package io.pgmlfollower.pgwire.auth;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;

/** The errors authentication ends with, worded as PostgreSQL words them. */
final class AuthFailures {
  private AuthFailures() {}

  /**
   * Wrong password, and also unknown user: the same message, so a client cannot probe which users
   * exist (PostgreSQL does the same).
   */
  static PgWireException passwordFailed(String user) {
    return new PgWireException(
        SqlState.INVALID_PASSWORD, "password authentication failed for user \"" + user + "\"");
  }

  static PgWireException malformed(String detail) {
    return new PgWireException(
        SqlState.PROTOCOL_VIOLATION, "malformed SCRAM message", detail, null, 0, null);
  }
}
