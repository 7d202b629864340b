package io.pgmlfollower.pgwire.protocol;

import static java.util.Objects.requireNonNull;

import io.vertx.core.buffer.Buffer;

/**
 * One protocol message exactly as it arrived: the type byte (0 for the untyped startup-phase
 * packets), the length word and the payload. Keeping the raw bytes lets the server forward a
 * message to the upstream byte for byte.
 */
public record Frame(byte type, Buffer raw) {
  /** The type byte of startup-phase packets (StartupMessage, SSLRequest, CancelRequest...). */
  public static final byte UNTYPED = 0;

  public Frame {
    requireNonNull(raw, "raw is null");
  }

  /** The bytes after the type byte and the length word. */
  public Buffer payload() {
    return raw.slice(headerLength(), raw.length());
  }

  public char typeChar() {
    return (char) type;
  }

  private int headerLength() {
    return type == UNTYPED ? 4 : 5;
  }
}
