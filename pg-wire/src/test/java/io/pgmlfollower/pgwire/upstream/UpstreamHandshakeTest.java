package io.pgmlfollower.pgwire.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmlfollower.pgwire.AuthMethod;
import io.pgmlfollower.pgwire.auth.AuthExchange;
import io.pgmlfollower.pgwire.auth.Authenticator;
import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.ErrorResponses;
import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.FrameDecoder;
import io.pgmlfollower.pgwire.protocol.Severity;
import io.pgmlfollower.pgwire.protocol.StartupPacket;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The upstream start-up, driven by the server's own authentication code playing PostgreSQL: the
 * SCRAM client (com.ongres) and the SCRAM server (ours) must agree byte for byte.
 */
class UpstreamHandshakeTest {
  private static Frame typed(Buffer message) throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1 << 20);
    decoder.startupDone();
    decoder.feed(message);
    return decoder.next();
  }

  private static UpstreamHandshake handshake(String password) {
    Map<String, String> client = new LinkedHashMap<>();
    client.put("user", "analyst");
    client.put("database", "ignored");
    client.put("application_name", "psql");
    client.put("DateStyle", "ISO, MDY");
    client.put("_pq_.compression", "on");
    return new UpstreamHandshake("session_role", password, "app", client);
  }

  @Test
  void startupMessageNamesTheUpstreamRoleAndPassesClientSettings() throws PgWireException {
    UpstreamHandshake handshake = handshake("pw");
    FrameDecoder decoder = new FrameDecoder(1 << 20);
    decoder.feed(handshake.startupMessage());
    StartupPacket.StartupMessage message =
        (StartupPacket.StartupMessage) StartupPacket.decode(decoder.next());
    assertThat(message.parameters())
        .containsExactly(
            Map.entry("user", "session_role"),
            Map.entry("database", "app"),
            Map.entry("application_name", "psql"),
            Map.entry("DateStyle", "ISO, MDY"));
  }

  @Test
  void scramLoginThenParametersKeyAndReadyForQuery() throws Exception {
    AuthExchange server =
        new Authenticator(
                AuthMethod.SCRAM_SHA_256, Map.of("session_role", "pw"), new SecureRandom())
            .begin("session_role");
    UpstreamHandshake handshake = handshake("pw");

    AuthExchange.Step step = server.start();
    while (!step.authenticated()) {
      Buffer answer = handshake.onFrame(typed(step.reply()));
      step = server.onResponse(answer.slice(5, answer.length()));
    }
    assertThat(handshake.onFrame(typed(step.reply()))).isNull(); // SASLFinal verified
    assertThat(handshake.onFrame(typed(BackendMessages.authenticationOk(Buffer.buffer()))))
        .isNull();
    handshake.onFrame(
        typed(BackendMessages.parameterStatus(Buffer.buffer(), "server_version", "17.6")));
    handshake.onFrame(typed(BackendMessages.backendKeyData(Buffer.buffer(), 4242, 99)));
    assertThat(handshake.isReady()).isFalse();
    handshake.onFrame(typed(BackendMessages.readyForQuery(Buffer.buffer(), 'I')));
    assertThat(handshake.isReady()).isTrue();
    assertThat(handshake.processId()).isEqualTo(4242);
    assertThat(handshake.secretKey()).isEqualTo(99);
    assertThat(handshake.parameterStatuses()).hasSize(1);
  }

  @Test
  void wrongUpstreamPasswordSurfacesTheUpstreamsError() throws Exception {
    AuthExchange server =
        new Authenticator(
                AuthMethod.SCRAM_SHA_256, Map.of("session_role", "pw"), new SecureRandom())
            .begin("session_role");
    UpstreamHandshake handshake = handshake("not-pw");
    Buffer first = handshake.onFrame(typed(server.start().reply()));
    Buffer last =
        handshake.onFrame(typed(server.onResponse(first.slice(5, first.length())).reply()));
    PgWireException refusal =
        org.junit.jupiter.api.Assertions.assertThrows(
            PgWireException.class, () -> server.onResponse(last.slice(5, last.length())));
    Frame error = typed(ErrorResponses.encode(Severity.FATAL, refusal));
    assertThatThrownBy(() -> handshake.onFrame(error))
        .isInstanceOfSatisfying(
            UpstreamRefusedException.class,
            e -> assertThat(e.errorResponse().raw()).isEqualTo(error.raw()));
  }

  @Test
  void missingPasswordAndUnsupportedMethodsFailClearly() throws PgWireException {
    UpstreamHandshake noPassword = handshake(null);
    Frame md5 = typed(BackendMessages.authenticationMd5Password(Buffer.buffer(), new byte[4]));
    assertThatThrownBy(() -> noPassword.onFrame(md5))
        .isInstanceOfSatisfying(
            PgWireException.class,
            e -> assertThat(e.sqlState()).isEqualTo(SqlState.CONNECTION_FAILURE));
    Frame gss =
        typed(
            io.pgmlfollower.pgwire.protocol.MessageBuilder.begin(Buffer.buffer(), 'R')
                .int32(7)
                .end());
    assertThatThrownBy(() -> handshake("pw").onFrame(gss))
        .isInstanceOfSatisfying(
            PgWireException.class, e -> assertThat(e.getMessage()).contains("method 7"));
  }
}
