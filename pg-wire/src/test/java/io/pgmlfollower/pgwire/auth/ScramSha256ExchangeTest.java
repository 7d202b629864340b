package io.pgmlfollower.pgwire.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.StringPreparation;
import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScramSha256ExchangeTest {
  /** RFC 7677 section 3: user "user", password "pencil". */
  private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";

  private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  private static final String SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
  private static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  private static final String CLIENT_FINAL =
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  private static ScramCredentials pencil() {
    return ScramCredentials.derive("pencil", Base64.getDecoder().decode(SALT), 4096);
  }

  private static Buffer saslInitialResponse(String clientFirst) {
    byte[] data = clientFirst.getBytes(StandardCharsets.UTF_8);
    Buffer message =
        MessageBuilder.begin(Buffer.buffer(), 'p')
            .cstring("SCRAM-SHA-256")
            .int32(data.length)
            .bytes(data)
            .end();
    return message.slice(5, message.length());
  }

  private static Buffer saslResponse(String data) {
    return Buffer.buffer(data);
  }

  /** The SASL data of an AuthenticationSASLContinue/Final message. */
  private static String saslData(Buffer message) throws PgWireException {
    PayloadReader reader = new PayloadReader(message.slice(5, message.length()));
    reader.readInt32();
    return reader.readRest().toString(StandardCharsets.UTF_8);
  }

  @Test
  void rfc7677TestVector() throws PgWireException {
    ScramSha256Exchange exchange = new ScramSha256Exchange("user", pencil(), true, SERVER_NONCE);
    Buffer sasl = exchange.start().reply();
    PayloadReader offer = new PayloadReader(sasl.slice(5, sasl.length()));
    assertThat(offer.readInt32()).isEqualTo(10);
    assertThat(offer.readCString()).isEqualTo("SCRAM-SHA-256");

    AuthExchange.Step first = exchange.onResponse(saslInitialResponse(CLIENT_FIRST));
    assertThat(first.authenticated()).isFalse();
    assertThat(saslData(first.reply())).isEqualTo(SERVER_FIRST);

    AuthExchange.Step last = exchange.onResponse(saslResponse(CLIENT_FINAL));
    assertThat(last.authenticated()).isTrue();
    assertThat(saslData(last.reply())).isEqualTo(SERVER_FINAL);
  }

  @Test
  void overTlsPlusIsOfferedFirstAndADowngradedClientIsRefused() throws PgWireException {
    byte[] binding = new byte[32];
    ScramSha256Exchange exchange =
        new ScramSha256Exchange(
            "user", pencil(), true, SERVER_NONCE, java.util.Optional.of(binding));
    Buffer sasl = exchange.start().reply();
    PayloadReader offer = new PayloadReader(sasl.slice(5, sasl.length()));
    assertThat(offer.readInt32()).isEqualTo(10);
    assertThat(offer.readCString()).isEqualTo("SCRAM-SHA-256-PLUS");
    assertThat(offer.readCString()).isEqualTo("SCRAM-SHA-256");
    // 'y': the client could bind but was told the server cannot, which is false here.
    assertThatThrownBy(
            () -> exchange.onResponse(saslInitialResponse("y" + CLIENT_FIRST.substring(1))))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("08P01");
              assertThat(e.detail()).contains("does support channel binding");
            });
  }

  @Test
  void channelBindingIsRefusedWithoutTlsAndOfAnUnknownType() throws PgWireException {
    ScramSha256Exchange plaintext = new ScramSha256Exchange("user", pencil(), true, SERVER_NONCE);
    plaintext.start();
    assertThatThrownBy(
            () -> plaintext.onResponse(saslInitialResponse("p=tls-server-end-point,,n=user,r=abc")))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> assertThat(e.detail()).contains("SCRAM-SHA-256-PLUS was not selected"));

    ScramSha256Exchange tls =
        new ScramSha256Exchange(
            "user", pencil(), true, SERVER_NONCE, java.util.Optional.of(new byte[32]));
    tls.start();
    Buffer unique = Buffer.buffer();
    MessageBuilder.appendCString(unique, "SCRAM-SHA-256-PLUS");
    byte[] first = "p=tls-unique,,n=user,r=abc".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    unique.appendInt(first.length).appendBytes(first);
    assertThatThrownBy(() -> tls.onResponse(unique))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> assertThat(e.detail()).contains("Unsupported SCRAM channel-binding type"));
  }

  @Test
  void wrongProofFailsWith28P01() throws PgWireException {
    ScramSha256Exchange exchange = new ScramSha256Exchange("user", pencil(), true, SERVER_NONCE);
    exchange.start();
    exchange.onResponse(saslInitialResponse(CLIENT_FIRST));
    String forged =
        CLIENT_FINAL.substring(0, CLIENT_FINAL.indexOf("p=") + 2)
            + Base64.getEncoder().encodeToString(new byte[32]);
    assertThatThrownBy(() -> exchange.onResponse(saslResponse(forged)))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("28P01");
              assertThat(e.getMessage())
                  .isEqualTo("password authentication failed for user \"user\"");
            });
  }

  @Test
  void libraryClientLogsInWithASaslPreparedPassword() throws Exception {
    // (libpq's empty SCRAM user name "n=," is covered by the psql test in PgWireServerIT.)
    Authenticator authenticator =
        new Authenticator(
            io.pgmlfollower.pgwire.AuthMethod.SCRAM_SHA_256,
            java.util.Map.of("app", "pâssword"),
            new java.security.SecureRandom());
    AuthExchange exchange = authenticator.begin("app");
    exchange.start();
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("*")
            .password("pâssword".toCharArray())
            .stringPreparation(StringPreparation.POSTGRESQL_PREPARATION)
            .build();
    AuthExchange.Step first =
        exchange.onResponse(saslInitialResponse(client.clientFirstMessage().toString()));
    client.serverFirstMessage(saslData(first.reply()));
    AuthExchange.Step last =
        exchange.onResponse(saslResponse(client.clientFinalMessage().toString()));
    assertThat(last.authenticated()).isTrue();
    client.serverFinalMessage(saslData(last.reply())); // verifies the server's signature
  }

  @Test
  void unknownUserFailsAtTheEndLikeAWrongPassword() throws Exception {
    Authenticator authenticator =
        new Authenticator(
            io.pgmlfollower.pgwire.AuthMethod.SCRAM_SHA_256,
            java.util.Map.of("app", "secret"),
            new java.security.SecureRandom());
    AuthExchange exchange = authenticator.begin("ghost");
    exchange.start();
    ScramClient client =
        ScramClient.builder()
            .advertisedMechanisms(List.of("SCRAM-SHA-256"))
            .username("*")
            .password("secret".toCharArray())
            .build();
    AuthExchange.Step first =
        exchange.onResponse(saslInitialResponse(client.clientFirstMessage().toString()));
    client.serverFirstMessage(saslData(first.reply()));
    assertThatThrownBy(
            () -> exchange.onResponse(saslResponse(client.clientFinalMessage().toString())))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> {
              assertThat(e.sqlState().code()).isEqualTo("28P01");
              assertThat(e.getMessage())
                  .isEqualTo("password authentication failed for user \"ghost\"");
            });
  }

  @Test
  void channelBindingAndBadMechanismsAreRefused() {
    ScramSha256Exchange plus = new ScramSha256Exchange("user", pencil(), true, SERVER_NONCE);
    assertThatThrownBy(
            () -> plus.onResponse(saslInitialResponse("p=tls-server-end-point,,n=,r=abc")))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
    ScramSha256Exchange tampered = new ScramSha256Exchange("user", pencil(), true, SERVER_NONCE);
    assertThatThrownBy(
            () -> {
              tampered.onResponse(saslInitialResponse(CLIENT_FIRST));
              tampered.onResponse(saslResponse(CLIENT_FINAL.replace("c=biws", "c=eSws")));
            })
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("08P01"));
  }
}
