package io.pgmlfollower.pgwire.auth;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;

/**
 * One client's authentication, from the first request to AuthenticationOk. The session sends what
 * {@link #start()} returns, feeds every PasswordMessage / SASLInitialResponse / SASLResponse
 * payload ('p') to {@link #onResponse}, and sends AuthenticationOk once a step says done. See
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
public interface AuthExchange {
  /** The next message to the client and whether the client is authenticated once it is sent. */
  record Step(Buffer reply, boolean authenticated) {
    public static Step authenticated(Buffer reply) {
      return new Step(reply, true);
    }

    public static Step challenge(Buffer reply) {
      return new Step(reply, false);
    }
  }

  /** The first authentication request; authenticated at once for trust. */
  Step start() throws PgWireException;

  /**
   * Checks the client's answer.
   *
   * @throws PgWireException 28P01 when the password is wrong or the user unknown (FATAL for the
   *     client), 08P01 when the message is malformed
   */
  Step onResponse(Buffer payload) throws PgWireException;
}
