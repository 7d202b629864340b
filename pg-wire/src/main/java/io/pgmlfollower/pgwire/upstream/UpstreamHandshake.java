package io.pgmlfollower.pgwire.upstream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.PayloadReader;
import io.pgmlfollower.pgwire.protocol.StartupPacket;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start-up of one upstream connection, with no socket: what to send first, and how to answer
 * each message the upstream sends until its first ReadyForQuery. Collects the ParameterStatus
 * messages (relayed to the client: pgjdbc needs the real server_version, DateStyle, ...) and the
 * upstream's BackendKeyData (to forward cancel requests).
 */
public final class UpstreamHandshake {
  /** Startup parameters that describe the client's connection, not the session's settings. */
  private static final List<String> NOT_FORWARDED = List.of("user", "database", "replication");

  private final Map<String, String> startupParameters;
  private final UpstreamAuthentication authentication;
  private final List<Frame> parameterStatuses = new ArrayList<>();
  private final List<Frame> notices = new ArrayList<>();
  private int processId;
  private int secretKey;
  private char transactionStatus;

  /**
   * @param clientParameters the client's startup parameters; application_name, client_encoding,
   *     DateStyle, TimeZone, extra_float_digits, options... are passed on
   */
  public UpstreamHandshake(
      String user, String password, String database, Map<String, String> clientParameters) {
    requireNonNull(user, "user is null");
    requireNonNull(database, "database is null");
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", user);
    parameters.put("database", database);
    clientParameters.forEach(
        (name, value) -> {
          if (!NOT_FORWARDED.contains(name) && !name.startsWith("_pq_.")) {
            parameters.put(name, value);
          }
        });
    this.startupParameters = Collections.unmodifiableMap(parameters);
    this.authentication = new UpstreamAuthentication(user, password);
  }

  public Map<String, String> startupParameters() {
    return startupParameters;
  }

  public Buffer startupMessage() {
    return StartupPacket.encodeStartupMessage(startupParameters);
  }

  /**
   * Handles one message from the upstream.
   *
   * @return the reply to send, or null
   * @throws UpstreamRefusedException when the upstream sent an ErrorResponse
   * @throws PgWireException when the upstream cannot be logged in to or speaks nonsense
   */
  public Buffer onFrame(Frame frame) throws UpstreamRefusedException, PgWireException {
    switch (frame.typeChar()) {
      case 'R' -> {
        return authentication.onRequest(frame.payload());
      }
      case 'S' -> parameterStatuses.add(frame);
      case 'K' -> {
        PayloadReader reader = new PayloadReader(frame.payload());
        processId = reader.readInt32();
        secretKey = reader.readInt32();
      }
      case 'N' -> notices.add(frame);
      case 'v' -> {
        // NegotiateProtocolVersion: only 3.0 and no _pq_ options are sent, nothing to adapt.
      }
      case 'Z' -> {
        PayloadReader reader = new PayloadReader(frame.payload());
        transactionStatus = (char) reader.readByte();
      }
      case 'E' -> throw new UpstreamRefusedException("upstream refused the session", frame);
      default ->
          throw new PgWireException(
              SqlState.CONNECTION_FAILURE,
              "unexpected message type \"" + frame.typeChar() + "\" from the upstream at startup");
    }
    return null;
  }

  /** Whether the upstream sent ReadyForQuery: the session can start. */
  public boolean isReady() {
    return transactionStatus != 0;
  }

  public List<Frame> parameterStatuses() {
    return List.copyOf(parameterStatuses);
  }

  public List<Frame> notices() {
    return List.copyOf(notices);
  }

  public int processId() {
    return processId;
  }

  public int secretKey() {
    return secretKey;
  }

  public char transactionStatus() {
    return transactionStatus;
  }
}
