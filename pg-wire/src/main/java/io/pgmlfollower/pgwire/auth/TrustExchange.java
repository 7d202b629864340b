package io.pgmlfollower.pgwire.auth;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;

/** trust: no password is asked; only the user name must be known (when users are configured). */
final class TrustExchange implements AuthExchange {
  private final String user;
  private final boolean known;

  TrustExchange(String user, boolean known) {
    this.user = user;
    this.known = known;
  }

  @Override
  public Step start() throws PgWireException {
    if (!known) {
      throw new PgWireException(
          SqlState.INVALID_AUTHORIZATION_SPECIFICATION, "role \"" + user + "\" does not exist");
    }
    return Step.authenticated(null);
  }

  @Override
  public Step onResponse(Buffer payload) throws PgWireException {
    throw new PgWireException(
        SqlState.PROTOCOL_VIOLATION, "unexpected password message: no password was requested");
  }
}
