package io.pgmlfollower.pgwire.upstream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.UpstreamOptions;
import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.FrameDecoder;
import io.pgmlfollower.pgwire.protocol.StartupPacket;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens sessions' upstream connections (one per client session, never shared, so session state such
 * as SET, prepared statements and transactions stays the client's own) and sends cancel requests to
 * the upstream.
 */
public final class UpstreamConnector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnector.class);

  /** PostgreSQL's own limit on a message (1 GB); the upstream is trusted. */
  private static final int MAX_UPSTREAM_MESSAGE_SIZE = 0x3fff_ffff;

  private final Vertx vertx;
  private final UpstreamOptions options;
  private final NetClient client;

  public UpstreamConnector(Vertx vertx, UpstreamOptions options) {
    this.vertx = requireNonNull(vertx, "vertx is null");
    this.options = requireNonNull(options, "options is null");
    this.client =
        vertx.createNetClient(
            new NetClientOptions()
                .setTcpNoDelay(true)
                .setTcpKeepAlive(true)
                .setConnectTimeout(10_000));
  }

  /**
   * Connects and logs in as the upstream role, to {@code database}, with the client's startup
   * parameters. Fails with {@link UpstreamRefusedException} when the upstream answers with an
   * ErrorResponse, with a {@link PgWireException} (08006) when it cannot be reached.
   */
  public Future<UpstreamConnection> connect(String database, Map<String, String> clientParameters) {
    UpstreamHandshake handshake =
        new UpstreamHandshake(options.user(), options.password(), database, clientParameters);
    return client
        .connect(options.port(), options.host())
        .recover(
            failure ->
                Future.failedFuture(
                    new PgWireException(
                        SqlState.CONNECTION_FAILURE,
                        "could not connect to the upstream PostgreSQL at "
                            + options.host()
                            + ":"
                            + options.port()
                            + ": "
                            + failure.getMessage(),
                        null,
                        "Check that the offline store is running.",
                        0,
                        failure)))
        .compose(socket -> handshake(socket, handshake));
  }

  private Future<UpstreamConnection> handshake(NetSocket socket, UpstreamHandshake handshake) {
    Promise<UpstreamConnection> promise = Promise.promise();
    // An upstream that accepts the connection but never answers must not hold the client (and its
    // session slot) forever.
    long timer =
        vertx.setTimer(
            options.startupTimeout().toMillis(),
            id -> {
              if (promise.tryFail(
                  new PgWireException(
                      SqlState.CONNECTION_FAILURE,
                      "the upstream PostgreSQL at %s:%d did not complete its startup within %d ms"
                          .formatted(
                              options.host(), options.port(), options.startupTimeout().toMillis()),
                      null,
                      "Check that the offline store is running and not overloaded.",
                      0,
                      null))) {
                socket.close();
              }
            });
    promise.future().onComplete(done -> vertx.cancelTimer(timer));
    FrameDecoder decoder = new FrameDecoder(MAX_UPSTREAM_MESSAGE_SIZE);
    decoder.startupDone();
    // The offline store is ours and authenticates us: its replies (a DataRow of a large value)
    // are not held to the cap an unauthenticated client is.
    decoder.authenticated();
    socket.handler(
        bytes -> {
          decoder.feed(bytes);
          try {
            Frame frame;
            while (!handshake.isReady() && (frame = decoder.next()) != null) {
              Buffer reply = handshake.onFrame(frame);
              if (reply != null) {
                socket.write(reply);
              }
            }
            if (handshake.isReady()) {
              socket.pause();
              socket.handler(null);
              socket.closeHandler(null);
              socket.exceptionHandler(null);
              promise.tryComplete(
                  new UpstreamConnection(
                      socket,
                      decoder,
                      handshake.processId(),
                      handshake.secretKey(),
                      handshake.parameterStatuses(),
                      handshake.notices(),
                      handshake.transactionStatus()));
            }
          } catch (UpstreamRefusedException | PgWireException e) {
            socket.close();
            promise.tryFail(e);
          }
        });
    socket.exceptionHandler(promise::tryFail);
    socket.closeHandler(
        ignored ->
            promise.tryFail(
                new PgWireException(
                    SqlState.CONNECTION_FAILURE,
                    "the upstream PostgreSQL closed the connection during startup")));
    socket.write(handshake.startupMessage());
    return promise.future();
  }

  /** Asks the upstream to cancel what the backend with this key runs (fire and forget). */
  public void cancel(int processId, int secretKey) {
    client
        .connect(options.port(), options.host())
        .onSuccess(
            socket ->
                socket
                    .write(StartupPacket.encodeCancelRequest(processId, secretKey))
                    .onComplete(done -> socket.close()))
        .onFailure(failure -> LOG.warn("Could not send a cancel request to the upstream", failure));
  }

  @Override
  public void close() {
    client.close();
  }
}
