package io.pgmlfollower.pgwire.auth;

import static java.util.Objects.requireNonNull;

import com.ongres.scram.common.ScramFunctions;
import com.ongres.scram.common.ServerFinalMessage;
import com.ongres.scram.common.ServerFirstMessage;
import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL runs it over SASL messages
 * (src/backend/libpq/auth-scram.c):
 *
 * <pre>
 *   server: AuthenticationSASL ["SCRAM-SHA-256"]
 *   client: SASLInitialResponse "SCRAM-SHA-256", "n,,n=,r=&lt;client nonce&gt;"
 *   server: AuthenticationSASLContinue "r=&lt;nonce&gt;,s=&lt;salt&gt;,i=4096"
 *   client: SASLResponse "c=biws,r=&lt;nonce&gt;,p=&lt;proof&gt;"
 *   server: AuthenticationSASLFinal "v=&lt;server signature&gt;", then AuthenticationOk
 * </pre>
 *
 * <p>The user name inside the SCRAM messages is ignored (PostgreSQL uses the startup packet's).
 * Channel binding: over TLS, SCRAM-SHA-256-PLUS with {@code tls-server-end-point} is offered first
 * ({@link ChannelBinding}); a client that could bind but says the server cannot ('y') is then
 * refused, as a downgrade. Without TLS only SCRAM-SHA-256 is offered, and 'n' and 'y' are accepted.
 * An unknown user goes through the same exchange against mock credentials and fails only at the
 * end, with the same message as a wrong password.
 */
final class ScramSha256Exchange implements AuthExchange {
  private enum State {
    AWAITING_CLIENT_FIRST,
    AWAITING_CLIENT_FINAL,
    DONE
  }

  private static final String MECHANISM_NAME = "SCRAM-SHA-256";
  private static final String PLUS_MECHANISM_NAME = "SCRAM-SHA-256-PLUS";

  private final String user;
  private final ScramCredentials credentials;
  private final boolean knownUser;
  private final String serverNonce;

  /** The TLS session's tls-server-end-point data; empty on a plaintext connection. */
  private final Optional<byte[]> channelBinding;

  private boolean plus;
  private State state = State.AWAITING_CLIENT_FIRST;
  private String gs2Header;
  private String clientFirstBare;
  private String serverFirst;
  private String nonce;

  /**
   * @param credentials the user's verifier, or mock credentials for an unknown user
   * @param serverNonce the server's part of the nonce (random printable characters)
   */
  ScramSha256Exchange(
      String user, ScramCredentials credentials, boolean knownUser, String serverNonce) {
    this(user, credentials, knownUser, serverNonce, Optional.empty());
  }

  /**
   * @param channelBinding the TLS session's tls-server-end-point data, when the connection is
   *     encrypted: SCRAM-SHA-256-PLUS is then offered too, first, as PostgreSQL does
   */
  ScramSha256Exchange(
      String user,
      ScramCredentials credentials,
      boolean knownUser,
      String serverNonce,
      Optional<byte[]> channelBinding) {
    this.user = requireNonNull(user, "user is null");
    this.credentials = requireNonNull(credentials, "credentials is null");
    this.knownUser = knownUser;
    this.serverNonce = requireNonNull(serverNonce, "serverNonce is null");
    this.channelBinding =
        requireNonNull(channelBinding, "channelBinding is null").map(byte[]::clone);
  }

  @Override
  public Step start() {
    List<String> mechanisms =
        channelBinding.isPresent()
            ? List.of(PLUS_MECHANISM_NAME, MECHANISM_NAME)
            : List.of(MECHANISM_NAME);
    return Step.challenge(BackendMessages.authenticationSasl(Buffer.buffer(), mechanisms));
  }

  @Override
  public Step onResponse(Buffer payload) throws PgWireException {
    return switch (state) {
      case AWAITING_CLIENT_FIRST -> onClientFirst(payload);
      case AWAITING_CLIENT_FINAL -> onClientFinal(payload);
      case DONE ->
          throw new PgWireException(
              SqlState.PROTOCOL_VIOLATION, "unexpected SASL response after authentication");
    };
  }

  private Step onClientFirst(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    String mechanism = reader.readCString();
    plus = mechanism.equals(PLUS_MECHANISM_NAME) && channelBinding.isPresent();
    if (!mechanism.equals(MECHANISM_NAME) && !plus) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION, "client selected an invalid SASL authentication mechanism");
    }
    int length = reader.readInt32();
    String message = length < 0 ? "" : reader.readBytes(length).toString(StandardCharsets.UTF_8);
    reader.expectEnd();
    parseClientFirst(message);
    serverFirst =
        new ServerFirstMessage(
                nonce,
                serverNonce,
                Base64.getEncoder().encodeToString(credentials.salt()),
                credentials.iterations())
            .toString();
    nonce = nonce + serverNonce;
    state = State.AWAITING_CLIENT_FINAL;
    return Step.challenge(
        BackendMessages.authenticationSaslContinue(
            Buffer.buffer(), serverFirst.getBytes(StandardCharsets.UTF_8)));
  }

  /** client-first-message = gs2-header client-first-message-bare (RFC 5802 section 7). */
  private void parseClientFirst(String message) throws PgWireException {
    if (message.isEmpty()) {
      throw AuthFailures.malformed("The message is empty.");
    }
    char flag = message.charAt(0);
    int flagEnd = message.indexOf(',');
    if (flagEnd < 1) {
      throw AuthFailures.malformed("Unexpected channel-binding flag.");
    }
    // The rules of read_client_first_message in PostgreSQL's auth-scram.c.
    switch (flag) {
      case 'p' -> {
        if (!plus) {
          throw AuthFailures.malformed(
              "The client selected channel binding, but SCRAM-SHA-256-PLUS was not selected.");
        }
        String type = message.substring(0, flagEnd);
        if (!type.equals("p=" + ChannelBinding.TYPE)) {
          throw AuthFailures.malformed(
              "Unsupported SCRAM channel-binding type \"" + type.substring(2) + "\".");
        }
      }
      case 'y', 'n' -> {
        if (plus) {
          throw AuthFailures.malformed(
              "The client selected SCRAM-SHA-256-PLUS, but the message does not bind the channel.");
        }
        if (flag == 'y' && channelBinding.isPresent()) {
          // The client could bind and believes the server cannot: someone removed PLUS from the
          // offer (a downgrade). PostgreSQL refuses the same way.
          throw AuthFailures.malformed(
              "The client supports SCRAM channel binding but thinks the server does not."
                  + " However, this server does support channel binding.");
        }
        if (flagEnd != 1) {
          throw AuthFailures.malformed("Unexpected channel-binding flag.");
        }
      }
      default -> throw AuthFailures.malformed("Unexpected channel-binding flag.");
    }
    int authzidEnd = message.indexOf(',', flagEnd + 1);
    if (authzidEnd < 0) {
      throw AuthFailures.malformed("Comma expected after the authorization identity.");
    }
    if (authzidEnd != flagEnd + 1) {
      throw new PgWireException(
          SqlState.FEATURE_NOT_SUPPORTED,
          "client uses authorization identity, but it is not supported");
    }
    gs2Header = message.substring(0, authzidEnd + 1);
    clientFirstBare = message.substring(authzidEnd + 1);
    String[] attributes = clientFirstBare.split(",", -1);
    if (attributes.length < 2
        || !attributes[0].startsWith("n=")
        || !attributes[1].startsWith("r=")) {
      throw AuthFailures.malformed("Expected user name and nonce attributes.");
    }
    nonce = attributes[1].substring(2);
    if (nonce.isEmpty() || !isPrintable(nonce)) {
      throw AuthFailures.malformed("The client nonce is empty or not printable.");
    }
  }

  /** client-final-message = channel-binding "," nonce ["," extensions] "," proof. */
  private Step onClientFinal(Buffer payload) throws PgWireException {
    String message = payload.toString(StandardCharsets.UTF_8);
    int proofAt = message.lastIndexOf(",p=");
    if (!message.startsWith("c=") || proofAt < 0) {
      throw AuthFailures.malformed("Expected channel binding and proof attributes.");
    }
    String withoutProof = message.substring(0, proofAt);
    String[] attributes = withoutProof.split(",", -1);
    // c = base64(gs2-header [+ the channel's binding data, with SCRAM-SHA-256-PLUS]).
    byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
    byte[] binding = header;
    if (plus) {
      byte[] data = channelBinding.orElseThrow();
      binding = java.util.Arrays.copyOf(header, header.length + data.length);
      System.arraycopy(data, 0, binding, header.length, data.length);
    }
    String expectedBinding = Base64.getEncoder().encodeToString(binding);
    if (!attributes[0].substring(2).equals(expectedBinding)) {
      throw AuthFailures.malformed("SCRAM channel binding check failed.");
    }
    if (attributes.length < 2 || !attributes[1].equals("r=" + nonce)) {
      throw AuthFailures.malformed("Nonce does not match.");
    }
    byte[] proof;
    try {
      proof = Base64.getDecoder().decode(message.substring(proofAt + 3));
    } catch (IllegalArgumentException e) {
      throw AuthFailures.malformed("The proof is not valid base64.");
    }
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    state = State.DONE;
    if (!verifyProof(proof, authMessage) || !knownUser) {
      throw AuthFailures.passwordFailed(user);
    }
    byte[] serverSignature =
        ScramFunctions.serverSignature(
            ScramCredentials.MECHANISM, credentials.serverKey(), authMessage);
    String serverFinal = new ServerFinalMessage(serverSignature).toString();
    return Step.authenticated(
        BackendMessages.authenticationSaslFinal(
            Buffer.buffer(), serverFinal.getBytes(StandardCharsets.UTF_8)));
  }

  /** ClientKey = proof XOR HMAC(StoredKey, AuthMessage); valid when H(ClientKey) = StoredKey. */
  private boolean verifyProof(byte[] proof, String authMessage) {
    byte[] clientSignature =
        ScramFunctions.clientSignature(
            ScramCredentials.MECHANISM, credentials.storedKey(), authMessage);
    if (proof.length != clientSignature.length) {
      return false;
    }
    byte[] clientKey = new byte[proof.length];
    for (int i = 0; i < proof.length; i++) {
      clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
    }
    byte[] storedKey = ScramFunctions.hash(ScramCredentials.MECHANISM, clientKey);
    return MessageDigest.isEqual(storedKey, credentials.storedKey());
  }

  private static boolean isPrintable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c > 0x7e || c == ',') {
        return false;
      }
    }
    return true;
  }
}
