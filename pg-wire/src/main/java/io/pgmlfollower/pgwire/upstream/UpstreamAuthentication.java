package io.pgmlfollower.pgwire.upstream;

import static java.util.Objects.requireNonNull;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import com.ongres.scram.common.exception.ScramException;
import io.pgmlfollower.pgwire.auth.Md5Password;
import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of authentication towards the upstream: answers the upstream's Authentication*
 * requests with the upstream role's password, by cleartext, md5 or SCRAM-SHA-256 (through
 * com.ongres.scram's client, as pgjdbc does).
 */
final class UpstreamAuthentication {
  private static final int OK = 0;
  private static final int CLEARTEXT_PASSWORD = 3;
  private static final int MD5_PASSWORD = 5;
  private static final int SASL = 10;
  private static final int SASL_CONTINUE = 11;
  private static final int SASL_FINAL = 12;

  private final String user;
  private final String password;
  private ScramClient scramClient;

  UpstreamAuthentication(String user, String password) {
    this.user = requireNonNull(user, "user is null");
    this.password = password;
  }

  /**
   * Handles an AuthenticationRequest payload.
   *
   * @return the message to send back, or null when none is due (AuthenticationOk, SASLFinal)
   */
  Buffer onRequest(Buffer payload) throws PgWireException {
    PayloadReader reader = new PayloadReader(payload);
    int request = reader.readInt32();
    switch (request) {
      case OK -> {
        return null;
      }
      case CLEARTEXT_PASSWORD -> {
        return passwordMessage(requirePassword());
      }
      case MD5_PASSWORD -> {
        byte[] salt = reader.readBytes(4).getBytes();
        return passwordMessage(Md5Password.encode(user, requirePassword(), salt));
      }
      case SASL -> {
        List<String> mechanisms = new ArrayList<>();
        for (String name = reader.readCString(); !name.isEmpty(); name = reader.readCString()) {
          mechanisms.add(name);
        }
        return saslInitialResponse(mechanisms);
      }
      case SASL_CONTINUE -> {
        return saslResponse(reader.readRest().toString(StandardCharsets.UTF_8));
      }
      case SASL_FINAL -> {
        verifyServerFinal(reader.readRest().toString(StandardCharsets.UTF_8));
        return null;
      }
      default ->
          throw failure(
              "the upstream PostgreSQL asks for authentication method "
                  + request
                  + ", which is not supported; use scram-sha-256, md5, password or trust");
    }
  }

  private Buffer saslInitialResponse(List<String> mechanisms) throws PgWireException {
    if (!mechanisms.contains("SCRAM-SHA-256")) {
      throw failure("the upstream PostgreSQL offers no supported SASL mechanism: " + mechanisms);
    }
    try {
      scramClient =
          ScramClient.builder()
              .advertisedMechanisms(List.of("SCRAM-SHA-256"))
              .username("*") // PostgreSQL ignores it and uses the startup user
              .password(requirePassword().toCharArray())
              .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
              .build();
    } catch (IllegalArgumentException e) {
      throw failure("cannot start SCRAM with the upstream: " + e.getMessage());
    }
    byte[] first = scramClient.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
    return MessageBuilder.begin(Buffer.buffer(), 'p')
        .cstring("SCRAM-SHA-256")
        .int32(first.length)
        .bytes(first)
        .end();
  }

  private Buffer saslResponse(String serverFirst) throws PgWireException {
    if (scramClient == null) {
      throw failure("the upstream sent SASLContinue before SASL");
    }
    try {
      scramClient.serverFirstMessage(serverFirst);
    } catch (ScramException e) {
      throw failure("invalid SCRAM server-first message from the upstream: " + e.getMessage());
    }
    byte[] last = scramClient.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8);
    return MessageBuilder.begin(Buffer.buffer(), 'p').bytes(last).end();
  }

  private void verifyServerFinal(String serverFinal) throws PgWireException {
    if (scramClient == null) {
      throw failure("the upstream sent SASLFinal before SASL");
    }
    try {
      scramClient.serverFinalMessage(serverFinal);
    } catch (ScramException e) {
      throw failure("the upstream's SCRAM server signature is invalid: " + e.getMessage());
    }
  }

  private static Buffer passwordMessage(String password) {
    return MessageBuilder.begin(Buffer.buffer(), 'p').cstring(password).end();
  }

  private String requirePassword() throws PgWireException {
    if (password == null) {
      throw failure("the upstream PostgreSQL asks for a password, but none is configured");
    }
    return password;
  }

  private static PgWireException failure(String message) {
    return new PgWireException(
        SqlState.CONNECTION_FAILURE,
        message,
        null,
        "Check the follower's upstream (offline store) connection settings.",
        0,
        null);
  }
}
