package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

/** A message sent to the upstream whose reply has not fully arrived. */
record ForwardedOp(Reply reply, SimpleQuery query) {
  ForwardedOp {
    requireNonNull(reply, "reply is null");
  }
}
