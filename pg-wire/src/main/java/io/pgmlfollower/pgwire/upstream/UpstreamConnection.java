package io.pgmlfollower.pgwire.upstream;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.protocol.FrameDecoder;
import io.vertx.core.net.NetSocket;
import java.util.List;

/**
 * A logged-in connection to the upstream, pinned to one client session. The socket is paused when
 * handed over; the session installs its handlers, then resumes it.
 *
 * @param decoder the frame decoder, holding any bytes that arrived after the first ReadyForQuery
 */
public record UpstreamConnection(
    NetSocket socket,
    FrameDecoder decoder,
    int processId,
    int secretKey,
    List<Frame> parameterStatuses,
    List<Frame> notices,
    char transactionStatus) {
  public UpstreamConnection {
    requireNonNull(socket, "socket is null");
    requireNonNull(decoder, "decoder is null");
    parameterStatuses = List.copyOf(parameterStatuses);
    notices = List.copyOf(notices);
  }
}
