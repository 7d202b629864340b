package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.protocol.Frame;
import io.pgmlfollower.pgwire.spi.LocalStatement;

/** An entry of a session's queue of work, kept in the order the client sent it. */
sealed interface Step {
  /**
   * A client message, decoded on arrival (so a malformed one closes the connection at once) and
   * routed when its turn comes.
   */
  final class ClientMessage implements Step {
    final Frame frame;
    final Object decoded;
    boolean routed;
    LocalStatement local;
    Throwable prepareFailure;
    io.pgmlfollower.pgwire.spi.ResultRewrite rewrite;
    java.util.List<QueryStatement> statements;

    ClientMessage(Frame frame, Object decoded) {
      this.frame = requireNonNull(frame, "frame is null");
      this.decoded = decoded;
    }

    char type() {
      return frame.typeChar();
    }
  }

  /** One statement of a split simple Query, with what the handler said about it. */
  record QueryStatement(
      String sql,
      LocalStatement local,
      Throwable prepareFailure,
      io.pgmlfollower.pgwire.spi.ResultRewrite rewrite) {}

  /** A statement of a split simple Query that the server runs. */
  record LocalQueryStatement(QueryStatement statement, SimpleQuery query) implements Step {}

  /** A statement of a split simple Query sent to the upstream as a Query of its own. */
  record ForwardedQueryStatement(
      String sql, SimpleQuery query, io.pgmlfollower.pgwire.spi.ResultRewrite rewrite)
      implements Step {}

  /** The ReadyForQuery ending a split simple Query. */
  record QueryEnd(SimpleQuery query) implements Step {}
}
