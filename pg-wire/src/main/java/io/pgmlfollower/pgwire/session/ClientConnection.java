package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.auth.AuthExchange;
import io.pgmlfollower.pgwire.protocol.BackendMessages;
import io.pgmlfollower.pgwire.protocol.CancelKey;
import io.pgmlfollower.pgwire.protocol.ErrorResponses;
import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.FrameDecoder;
import io.pgmlfollower.pgwire.protocol.Severity;
import io.pgmlfollower.pgwire.protocol.StartupPacket;
import io.pgmlfollower.pgwire.protocol.StartupPacket.CancelRequest;
import io.pgmlfollower.pgwire.protocol.StartupPacket.GssEncRequest;
import io.pgmlfollower.pgwire.protocol.StartupPacket.SslRequest;
import io.pgmlfollower.pgwire.protocol.StartupPacket.StartupMessage;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SessionHandler;
import io.pgmlfollower.pgwire.spi.SessionInfo;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.pgmlfollower.pgwire.upstream.UpstreamConnection;
import io.pgmlfollower.pgwire.upstream.UpstreamRefusedException;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection through its {@link ConnectionState}s: startup, authentication, opening the
 * upstream connection, then the {@link Session}. Bytes in, bytes out; the socket is behind a {@link
 * ClientTransport}, so tests drive it without one. Runs on one event loop.
 */
public final class ClientConnection {
  private final ServerResources resources;
  private final ClientTransport transport;
  private final Context context;
  private final FrameDecoder decoder;
  private final OutputBuffer out;
  private ConnectionState state = ConnectionState.AWAITING_STARTUP;
  private StartupMessage startup;
  private AuthExchange authExchange;
  private boolean countedAsSession;
  private CancelKey key;

  /** The 3.x minor version spoken with this client: what it asked for, at most 2. */
  private int protocolMinor;

  private Session session;
  private boolean tlsEstablished;
  private static final org.slf4j.Logger LOG_TLS =
      org.slf4j.LoggerFactory.getLogger(ClientConnection.class);
  private final long authenticationTimer;

  /** The idle-session check, armed once the session is ready when a timeout is configured. */
  private long idleTimer = -1;

  private long lastClientBytesNanos = System.nanoTime();

  /** Must be created on the event loop that delivers the connection's bytes. */
  public ClientConnection(ServerResources resources, ClientTransport transport) {
    this.resources = requireNonNull(resources, "resources is null");
    this.transport = requireNonNull(transport, "transport is null");
    this.context = resources.vertx().getOrCreateContext();
    this.decoder = new FrameDecoder(resources.maxMessageSize());
    this.out = new OutputBuffer(transport, resources.stats());
    this.authenticationTimer =
        resources
            .vertx()
            .setTimer(
                Math.max(1, resources.authenticationTimeout().toMillis()),
                id -> context.runOnContext(ignored -> onAuthenticationTimeout()));
  }

  /** As PostgreSQL: a client not authenticated within authentication_timeout is dropped. */
  private void onAuthenticationTimeout() {
    if (state != ConnectionState.READY && state != ConnectionState.CLOSED) {
      fatal(
          new PgWireException(SqlState.QUERY_CANCELED, "canceling authentication due to timeout"));
    }
  }

  public ConnectionState state() {
    return state;
  }

  /** Bytes from the client. */
  public void onBytes(Buffer bytes) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    lastClientBytesNanos = System.nanoTime();
    decoder.feed(bytes);
    processFrames();
  }

  /** The client went away. */
  public void onTransportClosed() {
    if (state != ConnectionState.CLOSED) {
      close();
    }
  }

  private void processFrames() {
    try {
      while (state != ConnectionState.CLOSED
          && state != ConnectionState.CONNECTING_UPSTREAM
          && state != ConnectionState.TLS_HANDSHAKE) {
        Frame frame = decoder.next();
        if (frame == null) {
          break;
        }
        switch (state) {
          case AWAITING_STARTUP -> onStartupPacket(frame);
          case AUTHENTICATING -> onAuthenticationMessage(frame);
          case READY -> session.onClientFrame(frame);
          default -> throw new IllegalStateException("frame in state " + state);
        }
      }
    } catch (PgWireException | RuntimeException e) {
      // Malformed input cannot be resynchronised: this connection ends, no other is touched.
      fatal(e);
    }
  }

  // ---- startup ------------------------------------------------------------------------------

  private void onStartupPacket(Frame frame) throws PgWireException {
    switch (StartupPacket.decode(frame)) {
      case SslRequest ignored -> onSslRequest();
      case GssEncRequest ignored -> transport.write(BackendMessages.encryptionRefused());
      case CancelRequest cancel -> {
        resources.cancelRegistry().cancel(cancel.key());
        close();
      }
      case StartupMessage message -> onStartupMessage(message);
    }
  }

  /**
   * 'S' and a TLS handshake when the server has a certificate, else 'N'. Bytes the client sent
   * after the SSLRequest before the handshake would be plaintext injected ahead of the TLS session
   * (CVE-2021-23214): refused.
   */
  private void onSslRequest() throws PgWireException {
    if (!transport.tlsAvailable() || tlsEstablished) {
      transport.write(BackendMessages.encryptionRefused());
      return;
    }
    if (decoder.bufferedBytes() > 0) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION, "received unencrypted data after SSL request");
    }
    // No frames are processed until the handshake completes (the state gates processFrames); the
    // socket keeps reading, which the handshake itself needs.
    state = ConnectionState.TLS_HANDSHAKE;
    transport.write(BackendMessages.encryptionAccepted());
    transport.startTls(
        () ->
            context.runOnContext(
                ignored -> {
                  if (state == ConnectionState.TLS_HANDSHAKE) {
                    tlsEstablished = true;
                    state = ConnectionState.AWAITING_STARTUP;
                    processFrames();
                  }
                }),
        failure ->
            context.runOnContext(
                ignored -> {
                  LOG_TLS.debug("TLS handshake failed: {}", failure.getMessage());
                  close();
                }));
  }

  private void onStartupMessage(StartupMessage message) throws PgWireException {
    decoder.startupDone();
    startup = message;
    resources.stats().connectionStarted();
    String replication = message.parameters().get("replication");
    if (replication != null
        && !List.of("false", "off", "no", "0").contains(replication.toLowerCase(Locale.ROOT))) {
      throw new PgWireException(
          SqlState.FEATURE_NOT_SUPPORTED, "replication connections are not supported");
    }
    if (resources.activeSessions().incrementAndGet() > resources.maxConnections()) {
      resources.activeSessions().decrementAndGet();
      throw new PgWireException(SqlState.TOO_MANY_CONNECTIONS, "sorry, too many clients already");
    }
    countedAsSession = true;
    List<String> unsupportedOptions =
        message.parameters().keySet().stream().filter(name -> name.startsWith("_pq_.")).toList();
    protocolMinor = Math.min(message.minorVersion(), StartupPacket.NEWEST_MINOR);
    if (message.minorVersion() > StartupPacket.NEWEST_MINOR || !unsupportedOptions.isEmpty()) {
      // A newer 3.x, or options: answer with what is spoken (up to 3.2, no options).
      BackendMessages.negotiateProtocolVersion(out.buffer(), protocolMinor, unsupportedOptions);
    }
    authExchange = resources.authenticator().begin(message.user(), tlsEstablished);
    state = ConnectionState.AUTHENTICATING;
    onAuthenticationStep(authExchange.start());
  }

  private void onAuthenticationMessage(Frame frame) throws PgWireException {
    switch (frame.typeChar()) {
      case 'p' -> onAuthenticationStep(authExchange.onResponse(frame.payload()));
      case 'X' -> close();
      default ->
          throw new PgWireException(
              SqlState.PROTOCOL_VIOLATION,
              "expected password response, got message type " + (int) frame.type());
    }
  }

  private void onAuthenticationStep(AuthExchange.Step step) {
    if (step.reply() != null) {
      out.append(step.reply());
    }
    if (!step.authenticated()) {
      out.flush();
      return;
    }
    BackendMessages.authenticationOk(out.buffer());
    out.flush();
    state = ConnectionState.CONNECTING_UPSTREAM;
    transport.pauseReading();
    resources
        .upstream()
        .connect(startup.database(), upstreamParameters(startup.parameters()))
        .onComplete(this::onUpstreamConnected);
  }

  /**
   * The client's startup parameters for its upstream session, with the endpoint's statement timeout
   * as PostgreSQL's {@code statement_timeout} unless the client set one: forwarded statements are
   * then cancelled by the offline store itself, with its own message.
   */
  private Map<String, String> upstreamParameters(Map<String, String> client) {
    long timeout = resources.statementTimeout().toMillis();
    if (timeout <= 0 || client.containsKey("statement_timeout")) {
      return client;
    }
    Map<String, String> parameters = new java.util.LinkedHashMap<>(client);
    parameters.put("statement_timeout", Long.toString(timeout));
    return parameters;
  }

  private void onUpstreamConnected(AsyncResult<UpstreamConnection> result) {
    if (state == ConnectionState.CLOSED) {
      if (result.succeeded()) {
        result.result().socket().close();
      }
      return;
    }
    if (result.failed()) {
      if (result.cause() instanceof UpstreamRefusedException refused) {
        // E.g. 3D000 database does not exist: the client sees PostgreSQL's own words.
        out.append(refused.errorResponse().raw());
        out.flush();
        close();
      } else {
        fatal(result.cause());
      }
      return;
    }
    UpstreamConnection upstream = result.result();
    SessionHandler handler;
    try {
      key =
          resources
              .cancelRegistry()
              .register(
                  // 3.2 allows keys up to 256 bytes; 32 random bytes, as PostgreSQL 18 sends.
                  protocolMinor >= 2 ? 32 : 4,
                  () -> context.runOnContext(ignored -> cancelSession()));
      handler =
          resources
              .handlerFactory()
              .open(
                  new SessionInfo(
                      startup.user(), startup.database(), startup.parameters(), key.processId()));
      requireNonNull(handler, "session handler factory returned null");
    } catch (RuntimeException e) {
      upstream.socket().close();
      fatal(e);
      return;
    }
    session =
        new Session(
            resources.vertx(),
            transport,
            out,
            upstream,
            handler,
            () -> resources.upstream().cancel(upstream.processId(), upstream.secretKey()),
            this::close,
            resources.statementTimeout());
    upstream.parameterStatuses().forEach(frame -> out.append(frame.raw()));
    upstream.notices().forEach(frame -> out.append(frame.raw()));
    BackendMessages.backendKeyData(out.buffer(), key.processId(), key.secret());
    BackendMessages.readyForQuery(out.buffer(), upstream.transactionStatus());
    out.flush();
    state = ConnectionState.READY;
    resources.vertx().cancelTimer(authenticationTimer);
    armIdleTimeout();
    decoder.authenticated();
    session.start();
    transport.resumeReading();
    processFrames();
  }

  /**
   * As PostgreSQL's idle_session_timeout: a session whose client sent nothing for the configured
   * time while nothing of its ran is closed with FATAL 57P05, freeing its slot and its upstream
   * connection. Checked a few times per timeout period, on the connection's event loop.
   */
  private void armIdleTimeout() {
    long timeoutNanos = resources.idleSessionTimeout().toNanos();
    if (timeoutNanos <= 0) {
      return;
    }
    long periodMillis = Math.max(10, resources.idleSessionTimeout().toMillis() / 4);
    idleTimer =
        resources
            .vertx()
            .setPeriodic(
                periodMillis,
                id ->
                    context.runOnContext(
                        ignored -> {
                          if (state == ConnectionState.CLOSED
                              || session == null
                              || !session.waitingForClient()) {
                            lastClientBytesNanos = System.nanoTime(); // busy is not idle
                            return;
                          }
                          if (System.nanoTime() - lastClientBytesNanos >= timeoutNanos) {
                            fatal(
                                new PgWireException(
                                    SqlState.IDLE_SESSION_TIMEOUT,
                                    "terminating connection due to idle-session timeout"));
                          }
                        }));
  }

  private void cancelSession() {
    if (session != null) {
      session.cancel();
    }
  }

  // ---- ending -------------------------------------------------------------------------------

  /** Sends a FATAL ErrorResponse and closes. */
  private void fatal(Throwable failure) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    ErrorResponses.append(out.buffer(), Severity.FATAL, failure);
    close(); // flushes it, after the connection's slot is released
  }

  private void close() {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    state = ConnectionState.CLOSED;
    resources.vertx().cancelTimer(authenticationTimer);
    if (idleTimer >= 0) {
      resources.vertx().cancelTimer(idleTimer);
    }
    // The slot is free before the last bytes go out: a client that has read its error can count
    // on it (UpstreamStartupTimeoutIT reconnects at once).
    if (countedAsSession) {
      countedAsSession = false;
      resources.activeSessions().decrementAndGet();
    }
    if (key != null) {
      resources.cancelRegistry().unregister(key);
    }
    out.flush();
    if (session != null) {
      session.shutdown();
    }
    transport.close();
  }
}
