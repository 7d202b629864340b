package io.pgmlfollower.pgwire.auth;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.AuthMethod;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Starts each client's {@link AuthExchange} by the configured method. Built once per server: for
 * SCRAM it derives every user's salted verifier up front (random salt, {@value
 * ScramCredentials#DEFAULT_ITERATIONS} iterations), so the plaintext password is not needed per
 * login and the costly key stretching happens once.
 */
public final class Authenticator {
  private static final int NONCE_BYTES = 18;
  private static final int SALT_BYTES = 16;

  private final AuthMethod method;
  private final Map<String, String> passwords;
  private final Map<String, ScramCredentials> scramCredentials;
  private final SecureRandom random;
  private final byte[] mockKey;
  private final Optional<byte[]> channelBinding;

  public Authenticator(AuthMethod method, Map<String, String> passwords, SecureRandom random) {
    this(method, passwords, random, Optional.empty());
  }

  /**
   * @param channelBinding the server certificate's tls-server-end-point data, when TLS is
   *     configured: SCRAM logins over TLS may then bind to the channel (SCRAM-SHA-256-PLUS)
   */
  public Authenticator(
      AuthMethod method,
      Map<String, String> passwords,
      SecureRandom random,
      Optional<byte[]> channelBinding) {
    this.channelBinding = requireNonNull(channelBinding, "channelBinding is null");
    this.method = requireNonNull(method, "method is null");
    this.passwords = Map.copyOf(requireNonNull(passwords, "passwords is null"));
    this.random = requireNonNull(random, "random is null");
    this.mockKey = new byte[32];
    random.nextBytes(mockKey);
    Map<String, ScramCredentials> credentials = new HashMap<>();
    if (method == AuthMethod.SCRAM_SHA_256) {
      this.passwords.forEach(
          (user, password) -> {
            byte[] salt = new byte[SALT_BYTES];
            random.nextBytes(salt);
            credentials.put(
                user, ScramCredentials.derive(password, salt, ScramCredentials.DEFAULT_ITERATIONS));
          });
    }
    this.scramCredentials = Map.copyOf(credentials);
  }

  public AuthMethod method() {
    return method;
  }

  /** A new exchange for a client that named {@code user} in its StartupMessage. */
  public AuthExchange begin(String user) {
    return begin(user, false);
  }

  /**
   * As {@link #begin(String)}, for a connection that is encrypted ({@code tls}) or not: only an
   * encrypted one is offered channel binding.
   */
  public AuthExchange begin(String user, boolean tls) {
    requireNonNull(user, "user is null");
    String password = passwords.get(user);
    return switch (method) {
      case TRUST -> new TrustExchange(user, passwords.isEmpty() || password != null);
      case PASSWORD -> new CleartextPasswordExchange(user, password);
      case MD5 -> {
        byte[] salt = new byte[4];
        random.nextBytes(salt);
        yield new Md5PasswordExchange(user, password, salt);
      }
      case SCRAM_SHA_256 -> {
        ScramCredentials credentials = scramCredentials.get(user);
        yield new ScramSha256Exchange(
            user,
            credentials != null ? credentials : mockCredentials(user),
            credentials != null,
            newNonce(),
            tls ? channelBinding : Optional.empty());
      }
    };
  }

  private String newNonce() {
    byte[] bytes = new byte[NONCE_BYTES];
    random.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Credentials for a user that does not exist: the salt is derived from the name, so repeated
   * attempts see the same salt and cannot tell unknown users from known ones (scram_mock_salt in
   * PostgreSQL).
   */
  private ScramCredentials mockCredentials(String user) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(mockKey, "HmacSHA256"));
      byte[] digest = mac.doFinal(user.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      byte[] salt = java.util.Arrays.copyOf(digest, SALT_BYTES);
      byte[] storedKey = new byte[32];
      byte[] serverKey = new byte[32];
      random.nextBytes(storedKey);
      random.nextBytes(serverKey);
      return new ScramCredentials(salt, ScramCredentials.DEFAULT_ITERATIONS, storedKey, serverKey);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
    }
  }
}
