package io.pgmlfollower.pgwire.auth;

import static java.util.Objects.requireNonNull;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ScramMechanism;
import com.ongres.scram.common.StringPreparation;

/**
 * A SCRAM-SHA-256 verifier, what PostgreSQL stores in pg_authid.rolpassword: salt, iteration count,
 * StoredKey = H(ClientKey) and ServerKey. The password itself is not needed afterwards.
 */
public record ScramCredentials(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
  /** PostgreSQL's default (scram_iterations). */
  public static final int DEFAULT_ITERATIONS = 4096;

  static final ScramMechanism MECHANISM = ScramMechanism.SCRAM_SHA_256;

  public ScramCredentials {
    requireNonNull(salt, "salt is null");
    requireNonNull(storedKey, "storedKey is null");
    requireNonNull(serverKey, "serverKey is null");
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be positive");
    }
  }

  /**
   * Derives the verifier; passwords are SASLprep-normalised where possible, else used as they are,
   * as PostgreSQL does.
   */
  public static ScramCredentials derive(String password, byte[] salt, int iterations) {
    byte[] saltedPassword =
        ScramFunctions.saltedPassword(
            MECHANISM,
            StringPreparation.POSTGRESQL_PREPARATION,
            password.toCharArray(),
            salt,
            iterations);
    byte[] clientKey = ScramFunctions.clientKey(MECHANISM, saltedPassword);
    return new ScramCredentials(
        salt.clone(),
        iterations,
        ScramFunctions.storedKey(MECHANISM, clientKey),
        ScramFunctions.serverKey(MECHANISM, saltedPassword));
  }
}
