package io.pgmlfollower.pgwire.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.AuthMethod;
import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordExchangesTest {
  private static final Map<String, String> USERS = Map.of("app", "secret");

  private static Buffer passwordMessage(String password) {
    Buffer message = MessageBuilder.begin(Buffer.buffer(), 'p').cstring(password).end();
    return message.slice(5, message.length());
  }

  @Test
  void md5HashIsPostgresFormula() {
    // "md5" + md5(md5hex("secret" + "app") + salt); PostgreSQL stores md5hex("secretapp") as
    // md56a422f785c9e20873908ce25d1736ae2 (SELECT 'md5' || md5('secretapp')).
    assertThat(Md5Password.encode("app", "secret", new byte[] {1, 2, 3, 4}))
        .isEqualTo("md5911f527656472583a006e7727877b33e");
  }

  @Test
  void md5ExchangeChecksTheSaltedHash() throws PgWireException {
    Authenticator authenticator = new Authenticator(AuthMethod.MD5, USERS, new SecureRandom());
    AuthExchange exchange = authenticator.begin("app");
    Buffer request = exchange.start().reply();
    PayloadReader reader = new PayloadReader(request.slice(5, request.length()));
    assertThat(reader.readInt32()).isEqualTo(5);
    byte[] salt = reader.readBytes(4).getBytes();
    assertThat(
            exchange
                .onResponse(passwordMessage(Md5Password.encode("app", "secret", salt)))
                .authenticated())
        .isTrue();

    AuthExchange wrong = authenticator.begin("app");
    wrong.start();
    assertThatThrownBy(() -> wrong.onResponse(passwordMessage("md5" + "0".repeat(32))))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("28P01"));
  }

  @Test
  void cleartextExchangeRefusesUnknownUsersWithTheSameMessage() throws PgWireException {
    Authenticator authenticator = new Authenticator(AuthMethod.PASSWORD, USERS, new SecureRandom());
    AuthExchange exchange = authenticator.begin("app");
    exchange.start();
    assertThat(exchange.onResponse(passwordMessage("secret")).authenticated()).isTrue();
    AuthExchange ghost = authenticator.begin("ghost");
    ghost.start();
    assertThatThrownBy(() -> ghost.onResponse(passwordMessage("")))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e ->
                assertThat(e.getMessage())
                    .isEqualTo("password authentication failed for user \"ghost\""));
  }

  @Test
  void trustLetsConfiguredUsersInWithoutAPassword() throws PgWireException {
    Authenticator authenticator = new Authenticator(AuthMethod.TRUST, USERS, new SecureRandom());
    assertThat(authenticator.begin("app").start().authenticated()).isTrue();
    assertThatThrownBy(() -> authenticator.begin("ghost").start())
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.sqlState().code()).isEqualTo("28000"));
  }
}
