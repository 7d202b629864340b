package io.pgmlfollower.pgwire.session;

import static java.util.Objects.requireNonNull;

import io.pgmlfollower.pgwire.spi.ResultRewrite;

/**
 * A forwarded statement the handler rewrote, and where its rewritten columns sit in the upstream's
 * result: learned from the first RowDescription the upstream sends for it (a Describe, or a simple
 * Query's), since the statement's other columns ({@code SELECT *}) are known only upstream.
 */
final class RewrittenStatement {
  private final ResultRewrite rewrite;
  private int[] positions;

  RewrittenStatement(ResultRewrite rewrite) {
    this.rewrite = requireNonNull(rewrite, "rewrite is null");
  }

  ResultRewrite rewrite() {
    return rewrite;
  }

  /** Each rewritten column's index in the upstream's result; null until a RowDescription. */
  int[] positions() {
    return positions;
  }

  void positions(int[] positions) {
    this.positions = positions.clone();
  }
}
