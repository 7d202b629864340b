package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

/**
 * A message sent to the upstream whose reply has not fully arrived; {@code rewriter} finishes the
 * result of a rewritten statement (null for the others).
 */
record ForwardedOp(Reply reply, SimpleQuery query, RowRewriter rewriter) {
  ForwardedOp {
    requireNonNull(reply, "reply is null");
  }

  ForwardedOp(Reply reply, SimpleQuery query) {
    this(reply, query, null);
  }
}
