package io.pgmlfollower.pgwire.protocol;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An untyped packet of the startup phase: StartupMessage, SSLRequest, GSSENCRequest or
 * CancelRequest, told apart by their request code. See
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
public sealed interface StartupPacket {
  int SSL_REQUEST_CODE = 80877103;
  int GSSENC_REQUEST_CODE = 80877104;
  int CANCEL_REQUEST_CODE = 80877102;
  int PROTOCOL_3_0 = 196608;

  /** The newest 3.x minor version the server speaks (3.2: cancel keys longer than 4 bytes). */
  int NEWEST_MINOR = 2;

  /** PostgreSQL 18 bounds a cancel key to 256 bytes; 3.0's is 4. */
  int MAX_CANCEL_KEY_BYTES = 256;

  /** Asks for TLS before the StartupMessage. */
  record SslRequest() implements StartupPacket {}

  /** Asks for GSSAPI encryption before the StartupMessage. */
  record GssEncRequest() implements StartupPacket {}

  /** Cancels the running statement of the session with this key. */
  record CancelRequest(CancelKey key) implements StartupPacket {
    public CancelRequest {
      requireNonNull(key, "key is null");
    }
  }

  /**
   * Opens a session.
   *
   * @param minorVersion the minor protocol version asked for (the major is always 3)
   * @param parameters user, database, options and run-time parameters, in the order sent
   */
  record StartupMessage(int minorVersion, Map<String, String> parameters) implements StartupPacket {
    public StartupMessage {
      parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public String user() {
      return parameters.get("user");
    }

    /** The database, defaulting to the user name as PostgreSQL does. */
    public String database() {
      String database = parameters.get("database");
      return database == null || database.isEmpty() ? user() : database;
    }
  }

  static StartupPacket decode(Frame frame) throws PgWireException {
    PayloadReader reader = new PayloadReader(frame.payload());
    int code = reader.readInt32();
    switch (code) {
      case SSL_REQUEST_CODE -> {
        reader.expectEnd();
        return new SslRequest();
      }
      case GSSENC_REQUEST_CODE -> {
        reader.expectEnd();
        return new GssEncRequest();
      }
      case CANCEL_REQUEST_CODE -> {
        // 3.0 keys are 4 bytes; 3.2 keys (PostgreSQL 18) run to the end of the packet.
        int processId = reader.readInt32();
        byte[] secretKey = reader.readRest().getBytes();
        if (secretKey.length < 4 || secretKey.length > MAX_CANCEL_KEY_BYTES) {
          throw new PgWireException(
              SqlState.PROTOCOL_VIOLATION,
              "invalid cancel request: a " + secretKey.length + "-byte key");
        }
        return new CancelRequest(new CancelKey(processId, secretKey));
      }
      default -> {
        int major = code >>> 16;
        int minor = code & 0xffff;
        if (major != 3) {
          throw new PgWireException(
              SqlState.FEATURE_NOT_SUPPORTED,
              "unsupported frontend protocol "
                  + major
                  + "."
                  + minor
                  + ": server supports 3.0 to 3."
                  + NEWEST_MINOR);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
          String name = reader.readCString();
          if (name.isEmpty()) {
            break;
          }
          parameters.put(name, reader.readCString());
        }
        reader.expectEnd();
        if (parameters.get("user") == null || parameters.get("user").isEmpty()) {
          throw new PgWireException(
              SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
              "no PostgreSQL user name specified in startup packet");
        }
        return new StartupMessage(minor, parameters);
      }
    }
  }

  /** Encodes a StartupMessage for protocol 3.0 (the server's own upstream connections use it). */
  static Buffer encodeStartupMessage(Map<String, String> parameters) {
    Buffer buffer = Buffer.buffer(128).appendInt(0).appendInt(PROTOCOL_3_0);
    parameters.forEach(
        (name, value) -> {
          MessageBuilder.appendCString(buffer, name);
          MessageBuilder.appendCString(buffer, value);
        });
    buffer.appendByte((byte) 0);
    buffer.setInt(0, buffer.length());
    return buffer;
  }

  /** A protocol 3.0 CancelRequest (4-byte key), as the server sends upstream. */
  static Buffer encodeCancelRequest(int processId, int secretKey) {
    return encodeCancelRequest(processId, Buffer.buffer(4).appendInt(secretKey).getBytes());
  }

  /** A CancelRequest with a key of any length (protocol 3.2). */
  static Buffer encodeCancelRequest(int processId, byte[] secretKey) {
    return Buffer.buffer(12 + secretKey.length)
        .appendInt(12 + secretKey.length)
        .appendInt(CANCEL_REQUEST_CODE)
        .appendInt(processId)
        .appendBytes(secretKey);
  }
}
