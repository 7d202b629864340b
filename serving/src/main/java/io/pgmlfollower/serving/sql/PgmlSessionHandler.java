package io.pgmlfollower.serving.sql;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.LocalStatement;
import io.pgmlfollower.pgwire.spi.PgWireException;
import io.pgmlfollower.pgwire.spi.ResultRewrite;
import io.pgmlfollower.pgwire.spi.SessionHandler;
import io.pgmlfollower.pgwire.spi.SqlState;
import java.util.List;
import java.util.Optional;

/**
 * Routes statements: pgml function calls run here, everything else goes to the offline store. Holds
 * no per-session state, so one instance serves every session.
 */
final class PgmlSessionHandler implements SessionHandler {
  private final PgmlStatementParser parser;
  private final PgmlFunctions functions;
  private final InQueryRewriter rewriter;

  PgmlSessionHandler(
      PgmlStatementParser parser, PgmlFunctions functions, InQueryRewriter rewriter) {
    this.parser = requireNonNull(parser, "parser is null");
    this.functions = requireNonNull(functions, "functions is null");
    this.rewriter = requireNonNull(rewriter, "rewriter is null");
  }

  /** Select-list predictions of a forwarded query, batched (see {@link InQueryRewriter}). */
  @Override
  public ResultRewrite rewrite(String sql) {
    return PgmlStatementParser.mentionsPgml(sql) ? rewriter.rewrite(sql) : null;
  }

  @Override
  public LocalStatement prepare(String sql, int[] parameterTypeOids) throws PgWireException {
    Optional<PgmlCall> call = parser.parse(sql);
    if (call.isEmpty()) {
      return null;
    }
    List<PgmlFunction> overloads = functions.overloads(call.get().function());
    if (overloads.isEmpty()) {
      throw new PgWireException(
          SqlState.UNDEFINED_FUNCTION,
          "function pgml.%s does not exist".formatted(call.get().function()),
          "the follower provides " + functions.names());
    }
    // As PostgreSQL resolves overloads: the first signature the arguments fit.
    PgWireException mismatch = null;
    for (PgmlFunction function : overloads) {
      try {
        return PgmlLocalStatement.bind(function, call.get(), parameterTypeOids);
      } catch (PgWireException e) {
        if (e.sqlState() != SqlState.UNDEFINED_FUNCTION) {
          throw e;
        }
        mismatch = mismatch == null ? e : withHintOf(mismatch, e);
      }
    }
    throw mismatch;
  }

  private static PgWireException withHintOf(PgWireException first, PgWireException next) {
    return new PgWireException(
        first.sqlState(), first.getMessage(), null, first.hint() + "; or " + next.hint(), 0, null);
  }
}
