package io.pgmlfollower.pgwire.protocol;

import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.SqlState;
import io.vertx.core.buffer.Buffer;

/**
 * Cuts the byte stream of one connection into {@link Frame}s.
 *
 * <p>Before authentication, packets have no type byte: an int32 length (counting itself) and the
 * body. Afterwards every message is a type byte, an int32 length (counting itself, not the type)
 * and the payload. See
 * https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 *
 * <p>A length that cannot be right (smaller than the length word itself) is a protocol violation; a
 * length above the configured maximum is refused with 54000 before its bytes are buffered, so a
 * client cannot make the server allocate what it announces. Either way the caller closes the
 * connection: the stream cannot be resynchronised.
 */
public final class FrameDecoder {
  /** PostgreSQL refuses startup packets above this (MAX_STARTUP_PACKET_LENGTH in pqcomm.h). */
  static final int MAX_STARTUP_PACKET_LENGTH = 10_000;

  /**
   * Before authentication, messages are capped like PostgreSQL caps authentication tokens
   * (PG_MAX_AUTH_TOKEN_LENGTH): an unauthenticated client cannot make the server buffer large
   * frames.
   */
  static final int MAX_UNAUTHENTICATED_MESSAGE_SIZE = 65_535;

  private final int maxMessageSize;
  private int limit;
  private Buffer pending = Buffer.buffer();
  private int readIndex;
  private boolean startupPhase = true;

  public FrameDecoder(int maxMessageSize) {
    if (maxMessageSize < 8) {
      throw new IllegalArgumentException("maxMessageSize too small: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
    this.limit = Math.min(maxMessageSize, MAX_UNAUTHENTICATED_MESSAGE_SIZE);
  }

  /** Lifts the pre-authentication cap: messages up to the configured maximum are accepted. */
  public void authenticated() {
    limit = maxMessageSize;
  }

  /** Switches to typed messages, once the startup packet has been accepted. */
  public void startupDone() {
    startupPhase = false;
  }

  public void feed(Buffer bytes) {
    if (readIndex == pending.length()) {
      pending = bytes.copy();
      readIndex = 0;
    } else {
      pending.appendBuffer(bytes);
    }
  }

  /**
   * The next complete frame, or null when more bytes are needed.
   *
   * @throws PgWireException 08P01 for an impossible length, 54000 for an oversized message
   */
  public Frame next() throws PgWireException {
    int available = pending.length() - readIndex;
    int headerLength = startupPhase ? 4 : 5;
    if (available < headerLength) {
      compact();
      return null;
    }
    byte type = startupPhase ? Frame.UNTYPED : pending.getByte(readIndex);
    int length = pending.getInt(readIndex + headerLength - 4);
    checkLength(type, length);
    int frameLength = headerLength - 4 + length;
    if (available < frameLength) {
      compact();
      return null;
    }
    Buffer raw = pending.getBuffer(readIndex, readIndex + frameLength);
    readIndex += frameLength;
    return new Frame(type, raw);
  }

  /** Bytes received but not yet returned as frames. */
  public int bufferedBytes() {
    return pending.length() - readIndex;
  }

  private void checkLength(byte type, int length) throws PgWireException {
    if (startupPhase) {
      if (length < 8 || length > MAX_STARTUP_PACKET_LENGTH) {
        throw new PgWireException(SqlState.PROTOCOL_VIOLATION, "invalid length of startup packet");
      }
      return;
    }
    if (length < 4) {
      throw new PgWireException(
          SqlState.PROTOCOL_VIOLATION,
          "invalid message length " + length + " for message type \"" + printable(type) + "\"");
    }
    if (length > limit) {
      throw new PgWireException(
          SqlState.PROGRAM_LIMIT_EXCEEDED,
          "message of " + length + " bytes exceeds the maximum message size of " + limit + " bytes",
          null,
          "Send smaller statements or parameter values, or raise the server's maximum message size.",
          0,
          null);
    }
  }

  private static String printable(byte type) {
    return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : "\\x" + (type & 0xff);
  }

  /** Drops consumed bytes so that a long-lived connection does not keep them. */
  private void compact() {
    if (readIndex > 0) {
      pending = pending.getBuffer(readIndex, pending.length());
      readIndex = 0;
    }
  }
}
