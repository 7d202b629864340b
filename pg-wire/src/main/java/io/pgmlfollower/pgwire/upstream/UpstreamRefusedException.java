package io.pgmlfollower.pgwire.upstream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.Frame;

/**
 * The upstream answered the session's startup with an ErrorResponse (e.g. 3D000 database does not
 * exist): the client gets that message exactly as the upstream sent it.
 */
public final class UpstreamRefusedException extends Exception {
  private final transient Frame errorResponse;

  public UpstreamRefusedException(String message, Frame errorResponse) {
    super(message);
    this.errorResponse = requireNonNull(errorResponse, "errorResponse is null");
  }

  /** The upstream's ErrorResponse frame, to relay byte for byte. */
  public Frame errorResponse() {
    return errorResponse;
  }
}
