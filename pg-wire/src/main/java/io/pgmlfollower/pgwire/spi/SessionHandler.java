package io.pgmlfollower.pgwire.spi;

/** Per-session routing of statements. Called on the session's event-loop thread only. */
public interface SessionHandler extends AutoCloseable {
  /**
   * Decides whether the server answers a statement itself.
   *
   * <p>Called once per extended-protocol Parse and once per statement of a simple Query (the server
   * splits multi-statement texts). Must be fast for statements that are not local: it sits on every
   * statement's path.
   *
   * @param sql one statement's text, as the client sent it
   * @param parameterTypeOids the parameter types the client declared in Parse (0 = unspecified);
   *     empty for a simple Query
   * @return the local statement, or {@code null} to forward the statement to the upstream
   * @throws PgWireException when the statement is meant for this handler but is wrong (the client
   *     gets the error at Parse)
   */
  LocalStatement prepare(String sql, int[] parameterTypeOids) throws PgWireException;

  /**
   * For a statement {@link #prepare} forwards: whether the server forwards it in another form and
   * finishes its result itself. Called after {@link #prepare} returned null; must be fast for the
   * statements it does not rewrite.
   *
   * @return the rewrite, or null to forward the statement as the client sent it
   */
  default ResultRewrite rewrite(String sql) {
    return null;
  }

  @Override
  default void close() {}
}
