package io.pgmlfollower.pgwire.auth;

import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** password: AuthenticationCleartextPassword, then a PasswordMessage holding the password. */
final class CleartextPasswordExchange implements AuthExchange {
  private final String user;
  private final String expectedPassword;

  /**
   * @param expectedPassword null for an unknown user: every password then fails
   */
  CleartextPasswordExchange(String user, String expectedPassword) {
    this.user = user;
    this.expectedPassword = expectedPassword;
  }

  @Override
  public Step start() {
    return Step.challenge(BackendMessages.authenticationCleartextPassword(Buffer.buffer()));
  }

  @Override
  public Step onResponse(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String password = reader.readCString();
    reader.expectEnd();
    byte[] given = password.getBytes(StandardCharsets.UTF_8);
    byte[] expected =
        (expectedPassword == null ? "" : expectedPassword).getBytes(StandardCharsets.UTF_8);
    boolean matches = MessageDigest.isEqual(given, expected);
    if (!matches || expectedPassword == null) {
      throw AuthFailures.passwordFailed(user);
    }
    return Step.authenticated(null);
  }
}
