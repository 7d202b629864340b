package io.pgmlfollower.pgwire.auth;

import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** md5: AuthenticationMD5Password with a random salt, then the salted hash. */
final class Md5PasswordExchange implements AuthExchange {
  private final String user;
  private final String expectedPassword;
  private final byte[] salt;

  /**
   * @param expectedPassword null for an unknown user: every answer then fails
   */
  Md5PasswordExchange(String user, String expectedPassword, byte[] salt) {
    this.user = user;
    this.expectedPassword = expectedPassword;
    this.salt = salt.clone();
  }

  @Override
  public Step start() {
    return Step.challenge(BackendMessages.authenticationMd5Password(Buffer.buffer(), salt));
  }

  @Override
  public Step onResponse(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String answer = reader.readCString();
    reader.expectEnd();
    String expected =
        Md5Password.encode(user, expectedPassword == null ? "" : expectedPassword, salt);
    boolean matches =
        MessageDigest.isEqual(
            answer.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    if (!matches || expectedPassword == null) {
      throw AuthFailures.passwordFailed(user);
    }
    return Step.authenticated(null);
  }
}
