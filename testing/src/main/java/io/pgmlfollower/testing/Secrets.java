package io.pgmlfollower.testing;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random names and passwords for the roles a fixture creates. */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static String randomHex(int bytes) {
    byte[] buffer = new byte[bytes];
    RANDOM.nextBytes(buffer);
    return HexFormat.of().formatHex(buffer);
  }
}
