package io.pgmlfollower.pgwire.protocol;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * What identifies a session to a CancelRequest: the process id and secret of its BackendKeyData.
 * The secret is 4 bytes under protocol 3.0 and up to 256 under 3.2
 * (https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BACKENDKEYDATA).
 * Holds its own copy of the secret; compared by value.
 */
public record CancelKey(int processId, byte[] secret) {
  public CancelKey {
    secret = requireNonNull(secret, "secret is null").clone();
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof CancelKey that
        && processId == that.processId
        && Arrays.equals(secret, that.secret);
  }

  @Override
  public int hashCode() {
    return 31 * processId + Arrays.hashCode(secret);
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "CancelKey[processId=" + processId + ", " + secret.length + "-byte secret]";
  }
}
