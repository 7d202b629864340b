package io.pgmlfollower.pgwire.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * PostgreSQL's md5 password hash: {@code "md5" + md5hex(md5hex(password + user) + salt)}. Used both
 * to check clients and to log in to an upstream that asks for md5. See
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
 */
public final class Md5Password {
  private Md5Password() {}

  public static String encode(String user, String password, byte[] salt) {
    String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
    byte[] innerBytes = inner.getBytes(StandardCharsets.US_ASCII);
    byte[] salted = new byte[innerBytes.length + salt.length];
    System.arraycopy(innerBytes, 0, salted, 0, innerBytes.length);
    System.arraycopy(salt, 0, salted, innerBytes.length, salt.length);
    return "md5" + md5Hex(salted);
  }

  private static String md5Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java runtime", e);
    }
  }
}
