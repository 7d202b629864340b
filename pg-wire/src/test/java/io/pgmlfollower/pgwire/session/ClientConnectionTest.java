package io.pgmlfollower.pgwire.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmlfollower.pgwire.AuthMethod;
import io.pgmlfollower.pgwire.PgWireStats;
import io.pgmlfollower.pgwire.auth.Authenticator;
import io.pgmlfollower.pgwire.protocol.ErrorResponses;
import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.FrameDecoder;
import io.pgmlfollower.pgwire.protocol.MessageBuilder;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.protocol.StartupPacket;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.pgwire.upstream.UpstreamConnection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The startup and authentication phases, byte for byte, with no socket and no upstream. */
class ClientConnectionTest {
  private Vertx vertx;
  private RecordingTransport transport;
  private AtomicInteger activeSessions;
  private PgWireStats stats;
  private List<String> dialed;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    transport = new RecordingTransport();
    activeSessions = new AtomicInteger();
    stats = new PgWireStats();
    dialed = new ArrayList<>();
  }

  @AfterEach
  void tearDown() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private ClientConnection connection(AuthMethod method, int maxConnections) {
    return connection(method, maxConnections, Duration.ofMinutes(1));
  }

  private ClientConnection connection(
      AuthMethod method, int maxConnections, Duration authenticationTimeout) {
    UpstreamDialer unreachable =
        new UpstreamDialer() {
          @Override
          public Future<UpstreamConnection> connect(String database, Map<String, String> params) {
            dialed.add(database);
            return Future.failedFuture(
                new PgWireException(SqlState.CONNECTION_FAILURE, "upstream is down"));
          }

          @Override
          public void cancel(int processId, int secretKey) {}
        };
    ServerResources resources =
        new ServerResources(
            vertx,
            1024,
            maxConnections,
            authenticationTimeout,
            Duration.ZERO,
            Duration.ZERO,
            new Authenticator(method, Map.of("app", "secret"), new SecureRandom()),
            unreachable,
            new CancelRegistry(new SecureRandom()),
            session -> {
              throw new AssertionError("no session may open without an upstream");
            },
            activeSessions,
            stats,
            null);
    return new ClientConnection(resources, transport);
  }

  private static Buffer startup(String user) {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", user);
    parameters.put("database", "shop");
    return StartupPacket.encodeStartupMessage(parameters);
  }

  private static Buffer password(String password) {
    return MessageBuilder.begin(Buffer.buffer(), 'p').cstring(password).end();
  }

  /** The typed messages the server wrote, after any single-byte SSL answer. */
  private List<Frame> written(int skip) throws PgWireException {
    FrameDecoder decoder = new FrameDecoder(1 << 20);
    decoder.startupDone();
    decoder.feed(transport.written.slice(skip, transport.written.length()));
    List<Frame> frames = new ArrayList<>();
    for (Frame frame = decoder.next(); frame != null; frame = decoder.next()) {
      frames.add(frame);
    }
    return frames;
  }

  private static Map<Character, String> error(Frame frame) throws PgWireException {
    assertThat(frame.typeChar()).isEqualTo('E');
    return ErrorResponses.fields(frame.payload());
  }

  @Test
  void aClientThatDoesNotAuthenticateInTimeIsDroppedAndFreesItsSlot() throws Exception {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 1, Duration.ofMillis(100));
    connection.onBytes(startup("app"));
    assertThat(activeSessions.get()).isEqualTo(1);
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!transport.closed && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(transport.closed).isTrue();
    assertThat(activeSessions.get()).isZero();
    List<Frame> frames = written(0);
    assertThat(error(frames.getLast()))
        .containsEntry('S', "FATAL")
        .containsEntry('C', "57014")
        .containsEntry('M', "canceling authentication due to timeout");
  }

  @Test
  void sslRequestIsDeclinedThenStartupAsksForAPassword() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(Buffer.buffer().appendInt(8).appendInt(StartupPacket.SSL_REQUEST_CODE));
    assertThat(transport.written.getByte(0)).isEqualTo((byte) 'N');
    connection.onBytes(startup("app"));
    List<Frame> frames = written(1);
    assertThat(frames).hasSize(1);
    assertThat(frames.getFirst().typeChar()).isEqualTo('R');
    assertThat(new PayloadReader(frames.getFirst().payload()).readInt32()).isEqualTo(3);
    assertThat(connection.state()).isEqualTo(ConnectionState.AUTHENTICATING);
  }

  @Test
  void gssEncryptionAndThenSslAreDeclinedBeforeTheStartup() throws PgWireException {
    // libpq with gssencmode=prefer asks for GSSAPI encryption first, then for TLS, on one socket.
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(Buffer.buffer().appendInt(8).appendInt(StartupPacket.GSSENC_REQUEST_CODE));
    connection.onBytes(Buffer.buffer().appendInt(8).appendInt(StartupPacket.SSL_REQUEST_CODE));
    assertThat(transport.written.getBytes(0, 2)).isEqualTo(new byte[] {'N', 'N'});
    connection.onBytes(startup("app"));
    List<Frame> frames = written(2);
    assertThat(frames).hasSize(1);
    assertThat(frames.getFirst().typeChar()).isEqualTo('R');
    assertThat(connection.state()).isEqualTo(ConnectionState.AUTHENTICATING);
  }

  @Test
  void wrongPasswordIsFatal28P01AndCloses() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup("app").appendBuffer(password("guess")));
    List<Frame> frames = written(0);
    Map<Character, String> error = error(frames.getLast());
    assertThat(error)
        .containsEntry('S', "FATAL")
        .containsEntry('V', "FATAL")
        .containsEntry('C', "28P01")
        .containsEntry('M', "password authentication failed for user \"app\"");
    assertThat(transport.closed).isTrue();
    assertThat(connection.state()).isEqualTo(ConnectionState.CLOSED);
    assertThat(activeSessions).hasValue(0);
    // Counted for /metrics: one connection, one ErrorResponse (the refusal).
    assertThat(stats.connections()).isEqualTo(1);
    assertThat(stats.errors()).isEqualTo(1);
  }

  @Test
  void onlyErrorResponsesCountAsErrors() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup("app"));
    // An authentication request went out: a message, not an error.
    assertThat(written(0)).isNotEmpty();
    assertThat(stats.connections()).isEqualTo(1);
    assertThat(stats.errors()).isZero();
  }

  @Test
  void authenticatedClientSeesTheUpstreamFailureAfterAuthenticationOk() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup("app").appendBuffer(password("secret")));
    List<Frame> frames = written(0);
    assertThat(frames).extracting(Frame::typeChar).containsExactly('R', 'R', 'E');
    assertThat(new PayloadReader(frames.get(1).payload()).readInt32()).isZero();
    assertThat(error(frames.get(2))).containsEntry('C', "08006").containsEntry('S', "FATAL");
    assertThat(dialed).containsExactly("shop");
    assertThat(transport.closed).isTrue();
  }

  @Test
  void malformedStartupPacketIsFatal08P01() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.TRUST, 10);
    connection.onBytes(Buffer.buffer().appendInt(4).appendInt(0));
    assertThat(error(written(0).getFirst())).containsEntry('C', "08P01");
    assertThat(transport.closed).isTrue();
  }

  @Test
  void unexpectedMessageDuringAuthenticationIsFatal08P01() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.MD5, 10);
    connection.onBytes(startup("app"));
    connection.onBytes(MessageBuilder.begin(Buffer.buffer(), 'Q').cstring("SELECT 1").end());
    assertThat(error(written(0).getLast())).containsEntry('C', "08P01");
    assertThat(transport.closed).isTrue();
  }

  @Test
  void oversizedMessageIsFatal54000() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup("app"));
    connection.onBytes(Buffer.buffer().appendByte((byte) 'p').appendInt(4096));
    assertThat(error(written(0).getLast())).containsEntry('C', "54000");
    assertThat(transport.closed).isTrue();
  }

  @Test
  void tooManyClientsIsFatal53300() throws PgWireException {
    activeSessions.set(1);
    ClientConnection connection = connection(AuthMethod.TRUST, 1);
    connection.onBytes(startup("app"));
    assertThat(error(written(0).getFirst()))
        .containsEntry('C', "53300")
        .containsEntry('M', "sorry, too many clients already");
    assertThat(activeSessions).hasValue(1);
  }

  @Test
  void protocolOptionsAndNewerMinorsGetNegotiateProtocolVersionDownTo32() throws PgWireException {
    // 3.2 with an option the server does not know: 'v' naming 3.2 and the option.
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup(2, "user", "app", "_pq_.compression", "on"));
    Frame negotiate = written(0).getFirst();
    assertThat(negotiate.typeChar()).isEqualTo('v');
    PayloadReader reader = new PayloadReader(negotiate.payload());
    assertThat(reader.readInt32()).isEqualTo(2);
    assertThat(reader.readInt32()).isEqualTo(1);
    assertThat(reader.readCString()).isEqualTo("_pq_.compression");

    // 3.7: 'v' naming 3.2, the newest spoken, and no option.
    transport = new RecordingTransport();
    connection(AuthMethod.PASSWORD, 10).onBytes(startup(7, "user", "app"));
    negotiate = written(0).getFirst();
    assertThat(negotiate.typeChar()).isEqualTo('v');
    reader = new PayloadReader(negotiate.payload());
    assertThat(reader.readInt32()).isEqualTo(2);
    assertThat(reader.readInt32()).isZero();
  }

  @Test
  void protocol32IsSpokenWithoutNegotiation() throws PgWireException {
    ClientConnection connection = connection(AuthMethod.PASSWORD, 10);
    connection.onBytes(startup(2, "user", "app"));
    // Straight to authentication: AuthenticationCleartextPassword, no NegotiateProtocolVersion.
    assertThat(written(0).getFirst().typeChar()).isEqualTo('R');
  }

  private static Buffer startup(int minor, String... fields) {
    Buffer packet = Buffer.buffer().appendInt(0).appendInt(StartupPacket.PROTOCOL_3_0 + minor);
    for (String field : fields) {
      MessageBuilder.appendCString(packet, field);
    }
    packet.appendByte((byte) 0);
    packet.setInt(0, packet.length());
    return packet;
  }

  @Test
  void unknownCancelRequestClosesSilently() {
    ClientConnection connection = connection(AuthMethod.TRUST, 10);
    connection.onBytes(StartupPacket.encodeCancelRequest(1, 2));
    assertThat(transport.written.length()).isZero();
    assertThat(transport.closed).isTrue();
  }
}
