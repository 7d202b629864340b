package io.pgmlfollower.pgwire.session;

/**
 * A simple Query whose statements are split between the server and the upstream. It is answered as
 * PostgreSQL answers a multi-statement Query: each statement's results in order, the first error
 * ends it (later statements are skipped), one ReadyForQuery at the end.
 */
final class SimpleQuery {
  private boolean failed;

  boolean failed() {
    return failed;
  }

  void fail() {
    failed = true;
  }
}
